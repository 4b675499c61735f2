import { heartbeatStaleAfterMs } from '../../heartbeats/index.ts';
import type { Queryable } from '../../store/index.ts';
import { type CheckResult, type DoctorCheck, type DoctorContext, failure } from '../doctor-check.ts';
import { createMt5Broker } from './broker/index.ts';
import { mt5Sql } from './broker/sql.ts';
import { eaIsOutdated, outdatedEaAdvice } from './ea-version.ts';
import { openMt5Feed } from './open-feed.ts';

/** ACCOUNT_TRADE_MODE names; a real account takes entries only after `signet start --live`. */
const accountKinds: Record<number, string> = { 0: 'demo', 1: 'contest', 2: 'real-money (needs --live)' };

/** The EA: its token is set, it beats, trading is allowed, and which kind of account it trades. */
async function mt5BrokerCheck(context: DoctorContext): Promise<CheckResult> {
  const { config } = context;
  if (!config.secrets.broker.mt5Token)
    return {
      status: 'fail',
      detail: `${config.broker.mt5.tokenEnv} is not set`,
      fix: `Export ${config.broker.mt5.tokenEnv} with the token entered as InpToken in SignetBridge.mq5.`,
    };
  try {
    const broker = createMt5Broker(config, await context.store());
    const { terminalId, details, ageMs } = await broker.terminal();
    if (ageMs === null)
      return {
        status: 'fail',
        detail: `no heartbeat from terminal ${terminalId} (broker.mt5.terminalId)`,
        fix: 'Attach SignetBridge.mq5 to a chart of that terminal, or correct broker.mt5.terminalId.',
      };
    // The watchdog's rule: the doctor must not pass an EA the watchdog already calls stale.
    const limit = heartbeatStaleAfterMs(config.broker.mt5.heartbeatIntervalMs);
    if (ageMs > limit)
      return {
        status: 'fail',
        detail: `EA ${terminalId} last beat ${Math.round(ageMs / 1000)} s ago`,
        fix: 'Check that MetaTrader 5 is running with the EA attached and Algo Trading on; see the Experts tab for WebRequest errors.',
      };
    const account = await broker.account();
    if (details.trade_allowed === false)
      return {
        status: 'fail',
        detail: `EA ${terminalId} beats, but trading is disabled in the terminal`,
        fix: 'Press Algo Trading in MetaTrader 5 and tick "Allow Algo Trading" in the EA settings.',
      };
    const version = details.ea_version;
    if (version !== undefined && eaIsOutdated(version))
      return {
        status: 'warn',
        detail: `EA ${terminalId} beats, trading allowed, but it is SignetBridge ${version}`,
        fix: outdatedEaAdvice(version),
      };
    return {
      status: 'ok',
      detail: `EA ${terminalId} beat ${Math.round(ageMs / 1000)} s ago, trading allowed, ${accountKinds[details.account?.trade_mode ?? 0] ?? 'unknown'} account, equity ${account.equity.toFixed(2)}`,
    };
  } catch (error) {
    return failure(error, 'Attach SignetBridge.mq5 and check the database.');
  }
}

/**
 * SYMBOL_TRADE_MODE and SYMBOL_FILLING_MODE names
 * (https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants).
 */
const tradeModes: Record<number, string> = {
  0: 'trading disabled',
  1: 'long only',
  2: 'short only',
  3: 'close only',
  4: 'full trading',
};
const fillingFlags: ReadonlyArray<[number, string]> = [
  [1, 'FOK'],
  [2, 'IOC'],
  [4, 'BOC'],
];

/** How each symbol may be traded, from the EA's contract; `blocked`: symbols that take no entry. */
async function symbolTrading(
  store: Queryable,
  terminalId: string,
): Promise<{ lines: string[]; blocked: string[] }> {
  const rows = (
    await store.query<{ symbol: string; filling_mode: number | null; trade_mode: number | null }>(
      mt5Sql.symbolTrading(),
      [terminalId],
    )
  ).rows;
  const lines: string[] = [];
  const blocked: string[] = [];
  for (const row of rows) {
    if (row.trade_mode === null) {
      lines.push(`${row.symbol}: trade and filling modes not reported (SignetBridge before 1.2)`);
      continue;
    }
    const flags = row.filling_mode ?? 0;
    const filling = fillingFlags.filter(([flag]) => (flags & flag) !== 0).map(([, name]) => name);
    lines.push(
      `${row.symbol}: ${tradeModes[row.trade_mode] ?? `trade mode ${row.trade_mode}`}, filling ${filling.length > 0 ? filling.join('/') : 'RETURN only'}`,
    );
    if (row.trade_mode === 0 || row.trade_mode === 3) blocked.push(row.symbol);
  }
  return { lines, blocked };
}

/** The MT5 feed: the EA's bars of the configured timeframe, fresh, each symbol with its contract. */
export async function mt5FeedCheck(context: DoctorContext): Promise<CheckResult> {
  const { config } = context;
  const section = config.broker.mt5;
  try {
    const store = await context.store();
    const broker = createMt5Broker(config, store);
    const feed = openMt5Feed(config, { logger: context.logger, store: async () => store });
    const latest = await feed.latest();
    const missing = section.symbols.filter((symbol) => !latest.some((bar) => bar.symbol === symbol));
    if (latest.length === 0 || missing.length > 0)
      return {
        status: 'fail',
        detail: `no ${section.timeframe} bars from the EA for ${missing.length > 0 ? missing.join(', ') : 'any symbol'}`,
        fix: `Set the EA's InpBarsTimeframe to ${section.timeframe} (or broker.mt5.timeframe to the EA's), on a chart of each symbol.`,
      };
    const unsized: string[] = [];
    for (const bar of latest) {
      const probe = await broker.sizeCheck(bar.symbol);
      if (probe) unsized.push(`${bar.symbol} (${probe})`);
    }
    const newest = new Date(Math.max(...latest.map((bar) => bar.time))).toISOString();
    const { terminalId } = await broker.terminal();
    const trading = await symbolTrading(store, terminalId);
    const modes = trading.lines.length > 0 ? `; ${trading.lines.join('; ')}` : '';
    if (unsized.length > 0)
      return {
        status: 'fail',
        detail: `bars arrive (newest ${newest}) but orders cannot be sized for ${unsized.join(', ')}`,
        fix: 'Update the EA to SignetBridge 1.1, which posts each symbol’s contract size and volume steps with its bars.',
      };
    if (trading.blocked.length > 0)
      return {
        status: 'warn',
        detail: `EA bars (${section.timeframe}), newest ${newest}, but the broker takes no entry in ${trading.blocked.join(', ')}${modes}`,
        fix: 'Trade another symbol, or ask the broker why the symbol is disabled or close-only.',
      };
    return {
      status: 'ok',
      detail: `EA bars (${section.timeframe}) for ${latest.map((bar) => bar.symbol).join(', ')}, newest ${newest}${modes}`,
    };
  } catch (error) {
    return failure(error, 'Attach SignetBridge.mq5 and check the database.');
  }
}

/** `signet doctor` on MT5: the EA and its account, then its bars. */
export const mt5DoctorChecks: readonly DoctorCheck[] = [
  { name: 'broker', run: mt5BrokerCheck },
  { name: 'feed', run: mt5FeedCheck },
];
