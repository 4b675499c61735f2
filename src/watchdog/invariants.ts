import { readAccountSnapshot } from '../account-state/index.ts';
import {
  type Account,
  type Broker,
  BrokerNotConnectedError,
  type Order,
  type Position,
  protectionOf,
  workingOrdersOf,
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
  /** The highest equity seen (the watchdog keeps it in app_state, shared with its standbys). */
  highWaterMark: number;
  /** Since when the broker could not be read (ms epoch), or null; kept by the watchdog across checks. */
  brokerDownSince?: number | null;
  /** The day's starting equity the watchdog keeps; used when the brain's snapshot is not today's. */
  dayStartEquity?: number | null;
  /**
   * Stores the marks for the account read at the broker and answers them as stored (the
   * watchdog's app_state row, shared with its standbys); absent: `highWaterMark` alone counts.
   */
  keepMarks?: (
    equity: number,
    accountId: string | null,
  ) => Promise<{ highWaterMark: number; dayStartEquity: number }>;
}

export interface InvariantReport {
  results: InvariantResult[];
  equity: number | null;
  /** The high-water mark the drawdown was measured from. */
  highWaterMark: number;
  dayStartEquity: number | null;
  /** Positions the stops working at the broker do not cover. */
  positionsWithoutStop: Position[];
  /** Positions whose stops at the broker add up to more than the position (a stop would reverse it). */
  overCovered: Position[];
  positions: number;
  /** The broker's name for the account, when it was read and has one. */
  accountId: string | null;
  /** Working orders at the broker, read once this round; undefined where it cannot list them. */
  working: Order[] | undefined;
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
    for (const beat of (await readOrSkip(() => heartbeatStatuses(inputs.db))) ?? []) {
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
      const spent = await readOrSkip(() => inputs.db.query<{ micro: number }>(watchdogSql.paidSpendToday()));
      const usd = Number(spent?.rows[0]?.micro ?? 0) / 1e6;
      if (spent)
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
  const positionsWithoutStop: Position[] = [];
  const overCovered: Position[] = [];
  let positionCount = 0;
  let accountId: string | null = null;
  let working: Order[] | undefined;
  const atBroker = inputs.broker ? await readBroker(inputs.broker) : undefined;
  if (atBroker && 'error' in atBroker) results.push(brokerUnreadable(inputs, atBroker.error));
  else if (inputs.broker) results.push(brokerReadable());
  if (inputs.broker && atBroker && !('error' in atBroker)) {
    const { account, positions } = atBroker;
    working = atBroker.working;
    equity = account.equity;
    accountId = account.id ?? null;
    positionCount = positions.length;
    for (const position of positions) {
      gross += Math.abs(position.qty * position.avgPrice);
      const protection = await protectionOf(inputs.broker, position, working).catch(() => undefined);
      if (!protection?.protected) positionsWithoutStop.push(position);
      else if (protection.covered > protection.needed + 1e-9) overCovered.push(position);
    }
    results.push({
      name: 'every_position_has_a_stop',
      ok: positionsWithoutStop.length === 0,
      value: positionsWithoutStop.map((each) => each.symbol).join(', ') || 'all protected',
      threshold: 'working stops at the broker covering each position',
      level: settings.missingStop === 'halt' ? 4 : 1,
      detail:
        positionsWithoutStop.length === 0
          ? `${positions.length} position(s), each covered by stops at the broker`
          : `no stop at the broker covers ${positionsWithoutStop.map((each) => each.symbol).join(', ')}`,
    });
    if (databaseUp) {
      const ours = await readOrSkip(() => explainedSymbols(inputs.db, inputs.broker!.name));
      const strangers = ours ? positions.filter((position) => !ours.has(position.symbol)) : [];
      if (ours)
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
    const snapshot = await readOrSkip(() => readAccountSnapshot(inputs.db, inputs.config.broker.kind));
    if (snapshot) {
      equity ??= snapshot.equity;
      // The brain's day start counts only while it is today's: a dead brain's snapshot is not.
      if (snapshot.at.slice(0, 10) === new Date(now).toISOString().slice(0, 10))
        dayStart = snapshot.dayStartEquity;
    }
  }
  let highWaterMark = inputs.highWaterMark;
  if (equity !== null && databaseUp && inputs.keepMarks) {
    const kept = await readOrSkip(() => inputs.keepMarks!(equity!, accountId));
    if (kept) {
      // The stored mark already includes the caller's: it is the account's own, whatever was in memory.
      highWaterMark = kept.highWaterMark;
      dayStart ??= kept.dayStartEquity;
    }
  }
  dayStart ??= inputs.dayStartEquity ?? null;
  if (equity !== null) {
    const mark = Math.max(highWaterMark, equity);
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
  return {
    results,
    equity,
    highWaterMark: equity === null ? highWaterMark : Math.max(highWaterMark, equity),
    dayStartEquity: dayStart,
    positionsWithoutStop,
    overCovered,
    positions: positionCount,
    accountId,
    working,
  };
}

async function readBroker(
  broker: Broker,
): Promise<{ account: Account; positions: Position[]; working: Order[] | undefined } | { error: Error }> {
  try {
    const [account, positions, working] = await Promise.all([
      broker.account(),
      broker.positions(),
      workingOrdersOf(broker),
    ]);
    return { account, positions, working };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** A part of the report that needs the database: a query failing mid-check leaves that part unknown. */
async function readOrSkip<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

function brokerReadable(): InvariantResult {
  return {
    name: 'broker_reachable',
    ok: true,
    value: 'readable',
    threshold: 'account, positions and orders readable',
    level: 0,
    detail: 'the broker answers',
  };
}

/**
 * The broker could not be read: its own failing invariant, so everything else this round still
 * acts. A terminal that never connected is shown without a halt (its heartbeat takes over once
 * it has beaten); any other failure halts at brokerUnreachableLevel once it outlasts the grace.
 */
function brokerUnreadable(inputs: InvariantInputs, error: Error): InvariantResult {
  const settings = inputs.config.watchdog;
  if (error instanceof BrokerNotConnectedError)
    return {
      name: 'broker_reachable',
      ok: false,
      value: error.message,
      threshold: 'account and positions readable',
      level: 0,
      detail: `${error.message} (${error.fix ?? ''})`,
    };
  const downFor = inputs.now - (inputs.brokerDownSince ?? inputs.now);
  return {
    name: 'broker_reachable',
    ok: downFor < settings.brokerUnreachableMs,
    value: error.message,
    threshold: `≤ ${settings.brokerUnreachableMs} ms unreadable`,
    level: settings.brokerUnreachableLevel,
    detail: `the broker cannot be read for ${(downFor / 1000).toFixed(1)} s: ${error.message}`,
  };
}
