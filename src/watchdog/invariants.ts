import { readAccountSnapshot } from '../account-state/index.ts';
import {
  type Account,
  type Broker,
  BrokerNotConnectedError,
  liveStopOf,
  type Position,
} from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import { heartbeatStaleAfterMs } from '../heartbeats/index.ts';
import { explainedSymbols } from '../ledger/index.ts';
import type { Queryable } from '../store/index.ts';
import { watchdogSql } from './sql.ts';
import { heartbeatStatuses } from './status.ts';

export interface InvariantResult {
  name: string;
  ok: boolean;
  /** What was measured (null when it could not be). */
  value: number | string | null;
  threshold: number | string;
  /** The halt level this failure asks for. */
  level: number;
  detail: string;
}

export interface InvariantInputs {
  config: Config;
  db: Queryable;
  /** The watchdog's own broker connection; undefined for the paper broker (it lives in the brain). */
  broker: Broker | undefined;
  /** Since when the database has been unreachable (ms epoch), or null. */
  databaseDownSince: number | null;
  now: number;
  /** The highest equity seen (kept by the watchdog across checks). */
  highWaterMark: number;
}

export interface InvariantReport {
  results: InvariantResult[];
  equity: number | null;
  positionsWithoutStop: Array<{ symbol: string; qty: number; avgPrice: number }>;
  positions: number;
}

const pct = (value: number) => `${(value * 100).toFixed(2)}%`;

/**
 * Every invariant the watchdog enforces, each measured against its threshold. The broker-side
 * ones ask the broker itself, not our tables: a stop cancelled at the broker must be seen even if
 * our records say it is there.
 */
export async function checkInvariants(inputs: InvariantInputs): Promise<InvariantReport> {
  const { config, now } = inputs;
  const settings = config.watchdog;
  const results: InvariantResult[] = [];
  const databaseUp = inputs.databaseDownSince === null;
  const downFor = inputs.databaseDownSince === null ? 0 : now - inputs.databaseDownSince;
  results.push({
    name: 'database_reachable',
    ok: downFor <= settings.databaseUnreachableMs,
    value: databaseUp ? 'reachable' : `unreachable for ${downFor} ms`,
    threshold: `≤ ${settings.databaseUnreachableMs} ms down`,
    // Market: flatten at the broker. Sim: the clock waits for the database, nothing goes by unwatched (runbook).
    level: config.schedule.mode === 'sim' ? settings.simDatabaseLossLevel : 4,
    detail: databaseUp ? 'database answers' : `database unreachable for ${(downFor / 1000).toFixed(1)} s`,
  });

  if (databaseUp) {
    for (const beat of await heartbeatStatuses(inputs.db)) {
      if (beat.name === 'watchdog') continue;
      const brain = beat.name === 'brain';
      const limit = heartbeatStaleAfterMs(brain ? settings.brainHeartbeatMs : beat.expectedIntervalMs);
      const level = brain
        ? settings.deadBrainLevel
        : beat.kind === 'broker'
          ? settings.staleBrokerLevel
          : settings.staleJobLevel;
      results.push({
        name: `heartbeat:${beat.name}`,
        ok: beat.ageMs <= limit,
        value: beat.ageMs,
        threshold: limit,
        level,
        detail: `${beat.name} last beat ${(beat.ageMs / 1000).toFixed(1)} s ago (limit ${(limit / 1000).toFixed(1)} s)`,
      });
    }
    const budget = config.llm.budget.dailyUsd;
    if (budget > 0) {
      const spent = await inputs.db.query<{ micro: number }>(watchdogSql.paidSpendToday());
      const usd = Number(spent.rows[0]?.micro ?? 0) / 1e6;
      results.push({
        name: 'llm_budget',
        ok: usd < budget,
        value: Number(usd.toFixed(4)),
        threshold: budget,
        level: settings.llmBudgetLevel,
        detail: `paid LLM spend today $${usd.toFixed(2)} of $${budget}`,
      });
    }
  }

  let equity: number | null = null;
  let gross = 0;
  let dayStart: number | null = null;
  const positionsWithoutStop: InvariantReport['positionsWithoutStop'] = [];
  let positionCount = 0;
  const atBroker = inputs.broker ? await readBroker(inputs.broker) : undefined;
  if (atBroker && 'error' in atBroker) {
    // Any other broker failure leaves this round's broker checks unknown (the caller skips it).
    if (!(atBroker.error instanceof BrokerNotConnectedError)) throw atBroker.error;
    // Never reached yet (no EA has connected): shown, but nothing to halt; once it has beaten,
    // its heartbeat invariant watches it like any broker's.
    results.push({
      name: 'broker_reachable',
      ok: false,
      value: atBroker.error.message,
      threshold: 'account and positions readable',
      level: 0,
      detail: `${atBroker.error.message} (${atBroker.error.fix ?? ''})`,
    });
  }
  if (inputs.broker && atBroker && !('error' in atBroker)) {
    const { account, positions } = atBroker;
    equity = account.equity;
    positionCount = positions.length;
    for (const position of positions) {
      gross += Math.abs(position.qty * position.avgPrice);
      if (!(await liveStopOf(inputs.broker, position)))
        positionsWithoutStop.push({
          symbol: position.symbol,
          qty: position.qty,
          avgPrice: position.avgPrice,
        });
    }
    results.push({
      name: 'every_position_has_a_stop',
      ok: positionsWithoutStop.length === 0,
      value: positionsWithoutStop.map((each) => each.symbol).join(', ') || 'all protected',
      threshold: 'a live stop at the broker for each position',
      level: settings.missingStop === 'halt' ? 4 : 1,
      detail:
        positionsWithoutStop.length === 0
          ? `${positions.length} position(s), all with a live stop`
          : `no live stop at the broker for ${positionsWithoutStop.map((each) => each.symbol).join(', ')}`,
    });
    if (databaseUp) {
      const ours = await explainedSymbols(inputs.db, inputs.broker.name);
      const strangers = positions.filter((position) => !ours.has(position.symbol));
      results.push({
        name: 'positions_explained',
        ok: strangers.length === 0,
        value: strangers.map((each) => `${each.symbol} ${each.qty}`).join(', ') || 'all explained',
        threshold: 'every broker position comes from an order of ours',
        level: settings.unexplainedPositionLevel,
        detail:
          strangers.length === 0
            ? `${positions.length} position(s), each from an order of ours`
            : `position(s) no order of ours explains (opened by hand, or by another system): ${strangers.map((each) => each.symbol).join(', ')}`,
      });
    }
  }
  if (databaseUp) {
    const snapshot = await readAccountSnapshot(inputs.db, inputs.config.broker.kind);
    if (snapshot) {
      equity ??= snapshot.equity;
      dayStart = snapshot.dayStartEquity;
    }
  }
  if (equity !== null) {
    const mark = Math.max(inputs.highWaterMark, equity);
    const drawdown = mark > 0 ? (mark - equity) / mark : 0;
    results.push({
      name: 'drawdown',
      ok: drawdown < settings.maxDrawdownPct,
      value: pct(drawdown),
      threshold: `< ${pct(settings.maxDrawdownPct)}`,
      level: 4,
      detail: `equity ${equity.toFixed(2)} is ${pct(drawdown)} below the high-water mark ${mark.toFixed(2)}`,
    });
    if (dayStart !== null && dayStart > 0) {
      const loss = Math.max(0, (dayStart - equity) / dayStart);
      results.push({
        name: 'daily_loss',
        ok: loss < settings.maxDailyLossPct,
        value: pct(loss),
        threshold: `< ${pct(settings.maxDailyLossPct)}`,
        level: settings.dailyLossLevel,
        detail: `down ${pct(loss)} since the day's start (${dayStart.toFixed(2)})`,
      });
    }
    if (inputs.broker && equity > 0) {
      const utilisation = gross / equity;
      results.push({
        name: 'margin_utilisation',
        ok: utilisation <= settings.maxMarginUtilisation,
        value: Number(utilisation.toFixed(3)),
        threshold: `≤ ${settings.maxMarginUtilisation}`,
        level: 2,
        detail: `gross exposure ${gross.toFixed(2)} is ${utilisation.toFixed(2)}× equity`,
      });
    }
  }
  return { results, equity, positionsWithoutStop, positions: positionCount };
}

async function readBroker(
  broker: Broker,
): Promise<{ account: Account; positions: Position[] } | { error: Error }> {
  try {
    const [account, positions] = await Promise.all([broker.account(), broker.positions()]);
    return { account, positions };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}
