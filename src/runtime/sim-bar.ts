import type { PaperBroker } from '../broker/index.ts';
import { type Bus, topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { beat } from '../heartbeats/index.ts';
import { type BarSeries, sliceSeries } from '../market/index.ts';
import type { CycleReport, MonitorReport } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { type HaltStore, haltLevelOrNull, readHalt } from '../watchdog/index.ts';
import { writeAccountSnapshot } from './account-snapshot.ts';
import { isStorageFailure } from './database-wait.ts';
import type { JournaledPaperBroker } from './journaled-broker.ts';
import type { AccountBook } from './portfolio.ts';
import type { BrokerRecorder } from './recorder.ts';
import type { SessionStatus } from './sim-session.ts';
import { dailyBarCloseOffsetMs, type TradingKernel } from './trading-kernel.ts';

/**
 * How far one bar got. Each phase is marked done once it has changed something that must not
 * change twice (the paper broker filled the bar, a flatten was sent, a cycle's orders exist), so
 * a bar cut by the database is finished from where it stopped, never begun again.
 */
export interface BarProgress {
  cursor: number;
  filled: boolean;
  flattenChecked: boolean;
  monitor: MonitorReport | undefined;
  cycle: CycleReport | undefined;
  /** A failure cut this bar; the next step recovers before finishing it. */
  interrupted: boolean;
}

export function newBarProgress(cursor: number): BarProgress {
  return {
    cursor,
    filled: false,
    flattenChecked: false,
    monitor: undefined,
    cycle: undefined,
    interrupted: false,
  };
}

/** What of the sim session a bar acts on. */
export interface BarContext {
  store: Store;
  config: Config;
  runId: string;
  series: BarSeries[];
  setNow(now: number): void;
  now(): number;
  book: AccountBook;
  broker: PaperBroker;
  journaled: JournaledPaperBroker;
  recorder: BrokerRecorder;
  kernel: TradingKernel;
  bus: Pick<Bus, 'publish'>;
  haltStore: HaltStore;
  fillBar(index: number): void;
  accountId: string;
}

/** Whether the cycle of this id already wrote an order: then it is not run again (never a resend). */
async function cycleWroteOrders(store: Store, cycleId: string): Promise<boolean> {
  const found = await store.query('SELECT 1 FROM orders WHERE cycle_id = $1 LIMIT 1', [cycleId]);
  return (found.rowCount ?? 0) > 0;
}

/** The flatten at level 4: the paper broker lives here, out of the watchdog's reach. */
async function flattenIfHalted(context: BarContext, bar: BarProgress): Promise<void> {
  let level: number | null;
  try {
    level = (await readHalt(context.haltStore)).level;
  } catch (error) {
    // The database away: the bar waits for it rather than going on without the halt check.
    if (isStorageFailure(error)) throw error;
    level = null;
  }
  if (level !== 4 || context.broker.positions().length === 0) return;
  const closing = await context.journaled.closeAll(`halt4.${bar.cursor}`);
  bar.flattenChecked = true;
  await context.recorder.flush();
  await context.bus.publish({
    fromAgent: 'brain',
    toAgent: 'operator',
    topic: topics.brainFlattened,
    ts: new Date(context.now()),
    payload: { reason: 'halt level 4', orders: closing.map((order) => order.clientOrderId) },
  });
}

/** Runs (or finishes) one bar: fills, flatten at level 4, monitor, decision cycle, account snapshot. */
export async function runBar(context: BarContext, bar: BarProgress): Promise<SessionStatus> {
  const { store, config, series } = context;
  const cursor = bar.cursor;
  const barTime = series[0]!.time[cursor]!;
  context.setNow(barTime + dailyBarCloseOffsetMs);
  const expectedMs = 2 * config.schedule.barIntervalMs + 3 * config.pipeline.signerTimeoutMs;
  if (!bar.filled) {
    context.book.startDay(context.broker.equity());
    context.fillBar(cursor);
    bar.filled = true;
  }
  await context.recorder.flush();
  if (!bar.flattenChecked) {
    await flattenIfHalted(context, bar);
    bar.flattenChecked = true;
  }
  if (!bar.monitor) {
    bar.monitor = await context.kernel.monitor();
    await beat(store, 'job:monitor', 'job', expectedMs, { bar: new Date(barTime).toISOString() });
  }
  const cycleId = `${context.runId}/${new Date(barTime).toISOString().slice(0, 10)}`;
  if (!bar.cycle) {
    if (bar.interrupted && (await cycleWroteOrders(store, cycleId))) {
      // Cut after its orders were written: reconciliation answered them; the cycle is not run again.
      bar.cycle = {
        cycleId,
        haltLevel: await haltLevelOrNull(context.haltStore),
        screened: [],
        candidates: [],
      };
    } else {
      const views = series.map((each) => sliceSeries(each, undefined, barTime));
      bar.cycle = await context.kernel.cycle(cycleId, views);
    }
    await context.recorder.flush();
    await beat(store, 'job:cycle', 'job', expectedMs, { cycleId });
  }
  const account = await writeAccountSnapshot(
    store,
    { venue: context.broker.name, accountId: context.accountId },
    context.book,
    {
      equity: context.broker.equity(),
      cash: context.broker.cash(),
      positions: context.broker.positions().length,
      at: new Date(context.now()),
      bar: cursor,
    },
  );
  return {
    bar: cursor,
    barTime: new Date(barTime).toISOString().slice(0, 10),
    cycleId,
    equity: account.equity,
    cash: account.cash,
    positions: account.positions,
    haltLevel: bar.cycle.haltLevel,
    outcomes: bar.cycle.candidates,
    monitor: bar.monitor,
  };
}
