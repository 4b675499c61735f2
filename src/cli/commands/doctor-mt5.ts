import { createMt5Broker } from '../../broker/index.ts';
import { Mt5Feed } from '../../market/index.ts';
import { type CheckResult, type DoctorContext, failure } from './doctor.ts';

/** The MT5 feed: the EA's bars of the configured timeframe, fresh, each symbol with its contract. */
export async function mt5FeedCheck(context: DoctorContext): Promise<CheckResult> {
  const { config } = context;
  const section = config.broker.mt5;
  try {
    const store = await context.store();
    const broker = createMt5Broker(config, store);
    const feed = new Mt5Feed({
      db: store,
      terminalId: async () => (await broker.terminal()).terminalId,
      timeframe: section.timeframe,
      symbols: section.symbols,
    });
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
    if (unsized.length > 0)
      return {
        status: 'fail',
        detail: `bars arrive (newest ${newest}) but orders cannot be sized for ${unsized.join(', ')}`,
        fix: 'Update the EA to SignetBridge 1.1, which posts each symbol’s contract size and volume steps with its bars.',
      };
    return {
      status: 'ok',
      detail: `EA bars (${section.timeframe}) for ${latest.map((bar) => bar.symbol).join(', ')}, newest ${newest}`,
    };
  } catch (error) {
    return failure(error, 'Attach SignetBridge.mq5 and check the database.');
  }
}
