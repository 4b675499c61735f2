import path from 'node:path';
import { z } from 'zod';
import type { AgentRuntime, Quote } from '../agents/index.ts';
import { type BrokerEvent, PaperBroker, reconcile } from '../broker/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { beat } from '../heartbeats/index.ts';
import { type JournalEntryInput, writeJournalEntry } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import { type BarSeries, generateSimSeries, paperPriceTick, sliceSeries } from '../market/index.ts';
import {
  type CycleDeps,
  type CycleReport,
  completeInterruptedOrders,
  type IntentRepair,
  type MonitorReport,
  runDecisionCycle,
  runMonitorPass,
} from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { haltFileFor, haltLevelOrNull } from '../watchdog/index.ts';
import { cycleSettingsFrom, fallbackStrategyFrom } from './cycle-settings.ts';
import { exitJournalEntry } from './exit-journal.ts';
import { applyPaperRequest, JournaledPaperBroker, loadPaperRequests } from './journaled-broker.ts';
import { paperReconcileSource } from './paper-source.ts';
import { BrokerRecorder } from './recorder.ts';
import { runtimeSql } from './sql.ts';

export interface SessionStatus {
  bar: number;
  barTime: string;
  cycleId: string;
  equity: number;
  cash: number;
  positions: number;
  haltLevel: number | null;
  outcomes: CycleReport['candidates'];
  monitor: MonitorReport;
}

export interface SimSessionOptions {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
  agents: AgentRuntime;
  /** Prefix of cycle ids and client order ids; default: the stored session's, or a new one. */
  runId?: string;
}

export interface ResumeReport {
  resumed: boolean;
  runId: string;
  /** The last bar already processed before this start. */
  cursor: number;
  replayedRequests: number;
  repairs: IntentRepair[];
  reconciled: number;
}

const sessionStateKey = 'sim.session';
const sessionStateSchema = z.object({
  runId: z.string(),
  seed: z.number(),
  symbols: z.array(z.string()),
  bars: z.number(),
  start: z.string(),
  cursor: z.number().int(),
});
type SessionState = z.infer<typeof sessionStateSchema>;

// Daily bars are stamped at midnight UTC; the session acts as if the bar closed at 21:00 UTC.
const barCloseOffsetMs = 21 * 3_600_000;

/**
 * Paper trading on the synthetic market with an accelerated clock: each step reveals one more
 * bar of every symbol, lets the paper broker fill on it, runs the position monitor, then one
 * decision cycle on the bars seen so far. The same pipeline code runs on live data.
 *
 * The paper broker lives in memory, so everything that changes it is logged first
 * (`paper_requests`) and the bar position is stored before each bar: after a crash, `open`
 * rebuilds the broker exactly (the sim feed is deterministic), then reconciles our tables with
 * it and completes what the crash interrupted.
 */
export class SimSession {
  readonly broker: PaperBroker;
  readonly runId: string;
  readonly #journaled: JournaledPaperBroker;
  readonly #series: BarSeries[];
  readonly #recorder: BrokerRecorder;
  readonly #deps: CycleDeps;
  readonly #options: SimSessionOptions;
  readonly #haltStore: { db: Store; haltFile: string };
  readonly #journalRoot: string;
  #cursor: number;
  #now = 0;
  #recording = true;
  #dayStartEquity: number;
  #highWaterMark: number;
  #realisedToday = new Map<string, number>();

  private constructor(options: SimSessionOptions, runId: string) {
    const { config } = options;
    this.#options = options;
    this.runId = runId;
    const sim = config.feed.sim;
    this.#series = sim.symbols.map((symbol) =>
      generateSimSeries({ seed: sim.seed, symbols: sim.symbols, bars: sim.bars, start: sim.start }, symbol),
    );
    this.#cursor = sim.warmupBars - 1;
    this.#haltStore = { db: options.store, haltFile: haltFileFor(config.dataPath) };
    this.#journalRoot = path.resolve(config.paths.contextDir);
    const clock = { now: () => this.#now };
    this.#recorder = new BrokerRecorder({
      store: options.store,
      publish: (input, publishOptions) => options.bus.publish(input, publishOptions),
      brokerName: 'paper',
      logger: options.logger,
      clock,
      onTradeClosed: (event) => this.#journal(exitJournalEntry(event.trade, 'paper')),
    });
    this.broker = new PaperBroker({
      cash: config.paper.cash,
      commission: config.paper.commission,
      slippage: config.paper.slippage,
      clock,
      onEvent: (event: BrokerEvent) => this.#onBrokerEvent(event),
    });
    this.#journaled = new JournaledPaperBroker(this.broker, options.store, runId, () => this.#cursor);
    this.#dayStartEquity = config.paper.cash;
    this.#highWaterMark = config.paper.cash;
    this.#deps = {
      runtime: options.agents,
      publish: (input, publishOptions) => options.bus.publish(input, publishOptions),
      transaction: (work) => options.store.transaction(work),
      broker: this.#journaled,
      brokerName: 'paper',
      portfolio: async () => this.#portfolio(),
      haltLevel: () => haltLevelOrNull(this.#haltStore),
      freshQuote: async (symbol) => this.#quote(symbol),
      journal: (entry) => this.#journal(entry),
      clock,
      settings: cycleSettingsFrom(config, {
        timeframe: config.pipeline.timeframe,
        commissionRate: config.paper.commission,
        priceTick: paperPriceTick,
      }),
      fallbackStrategy: fallbackStrategyFrom(config),
    };
  }

  /**
   * Starts a session: resumes the stored one when it is for the same market (same seed, symbols,
   * bars and start), else begins a new run after the warm-up bars.
   */
  static async open(options: SimSessionOptions): Promise<{ session: SimSession; resume: ResumeReport }> {
    const sim = options.config.feed.sim;
    const stored = await options.store.query<{ value: unknown }>(runtimeSql.readState(), [sessionStateKey]);
    const parsed = sessionStateSchema.safeParse(stored.rows[0]?.value);
    const same =
      parsed.success &&
      parsed.data.seed === sim.seed &&
      parsed.data.bars === sim.bars &&
      parsed.data.start === sim.start &&
      parsed.data.symbols.join() === sim.symbols.join() &&
      (options.runId === undefined || options.runId === parsed.data.runId) &&
      parsed.data.cursor < sim.bars - 1;
    const runId = same
      ? parsed.data.runId
      : (options.runId ?? `sim${sim.seed}-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}`);
    const session = new SimSession(options, runId);
    const target = same ? parsed.data.cursor : session.#cursor;
    const replayedRequests = await session.#rebuild(target);
    const report: ResumeReport = {
      resumed: same,
      runId,
      cursor: target,
      replayedRequests,
      repairs: [],
      reconciled: 0,
    };
    if (same) {
      const reconciled = await reconcile({
        store: options.store,
        source: paperReconcileSource(session.broker, () => session.#loggedIds),
        logger: options.logger,
      });
      report.reconciled = reconciled.repairs.length;
      report.repairs = await completeInterruptedOrders({
        db: options.store,
        bus: options.bus,
        publish: (input, publishOptions) => options.bus.publish(input, publishOptions),
        broker: session.#journaled,
        brokerName: 'paper',
        journal: (entry) => session.#journal(entry),
        clock: { now: () => session.#now },
      });
      await options.bus.publish({
        fromAgent: 'brain',
        toAgent: 'operator',
        topic: 'system.resumed',
        ts: new Date(session.#now),
        payload: {
          runId,
          cursor: target,
          replayedRequests,
          reconciled: report.reconciled,
          repairs: report.repairs.map((repair) => ({ ...repair })),
        },
      });
    } else {
      await session.#saveState();
    }
    return { session, resume: report };
  }

  #loggedIds: string[] = [];

  /** Replays bars 0..cursor and the logged requests of each bar into a fresh broker, silently. */
  async #rebuild(cursor: number): Promise<number> {
    const logged = await loadPaperRequests(this.#options.store, this.runId);
    this.#loggedIds = logged.flatMap((each) =>
      each.entry.kind === 'submit' ? [each.entry.request.clientOrderId] : [],
    );
    this.#recording = false;
    let next = 0;
    for (let index = 0; index <= cursor; index += 1) {
      this.#cursor = index;
      this.#now = this.#series[0]!.time[index]! + barCloseOffsetMs;
      for (const series of this.#series) {
        this.broker.processBar(
          this.broker.book(series.symbol),
          series.time[index]!,
          series.open[index]!,
          series.high[index]!,
          series.low[index]!,
          series.close[index]!,
        );
      }
      while (next < logged.length && logged[next]!.barIndex === index) {
        applyPaperRequest(this.broker, logged[next]!.entry);
        next += 1;
      }
    }
    this.#recording = true;
    this.#highWaterMark = Math.max(this.#highWaterMark, this.broker.equity());
    return next;
  }

  async #saveState(): Promise<void> {
    const sim = this.#options.config.feed.sim;
    const state: SessionState = {
      runId: this.runId,
      seed: sim.seed,
      symbols: sim.symbols,
      bars: sim.bars,
      start: sim.start,
      cursor: this.#cursor,
    };
    await this.#options.store.query(runtimeSql.writeState(), [
      sessionStateKey,
      JSON.stringify(state),
      'brain',
    ]);
  }

  async #journal(entry: JournalEntryInput): Promise<void> {
    await writeJournalEntry(entry, { db: this.#options.store, root: this.#journalRoot });
  }

  get symbols(): string[] {
    return this.#series.map((series) => series.symbol);
  }

  get cursor(): number {
    return this.#cursor;
  }

  get finished(): boolean {
    return this.#cursor >= (this.#series[0]?.length ?? 0) - 1;
  }

  /** Waits until every broker event so far is written (a clean stop calls it after the last step). */
  flush(): Promise<void> {
    return this.#recorder.flush();
  }

  #onBrokerEvent(event: BrokerEvent): void {
    if (!this.#recording) return;
    if (event.kind === 'trade-closed') {
      const symbol = event.trade.symbol;
      this.#realisedToday.set(symbol, (this.#realisedToday.get(symbol) ?? 0) + event.trade.pnl);
    }
    this.#recorder.record(event);
  }

  #lastClose(symbol: string): number {
    const series = this.#series.find((each) => each.symbol === symbol);
    return series ? series.close[this.#cursor]! : 0;
  }

  #quote(symbol: string): Quote {
    const series = this.#series.find((each) => each.symbol === symbol);
    if (!series) throw new Error(`no quote for ${symbol}: not in the sim universe`);
    return { t: new Date(this.#now).toISOString(), last: series.close[this.#cursor]!, bid: null, ask: null };
  }

  #portfolio() {
    const positions = this.broker.positions().map((position) => ({
      symbol: position.symbol,
      qty: position.qty,
      price: this.#lastClose(position.symbol),
    }));
    const symbolPnlToday: Record<string, number> = Object.fromEntries(this.#realisedToday);
    for (const position of this.broker.positions()) {
      const open = (this.#lastClose(position.symbol) - position.avgPrice) * position.qty;
      symbolPnlToday[position.symbol] = (symbolPnlToday[position.symbol] ?? 0) + open;
    }
    return {
      equity: this.broker.equity(),
      cash: this.broker.cash(),
      dayStartEquity: this.#dayStartEquity,
      positions,
      symbolPnlToday,
    };
  }

  /** One bar: fills, monitor, decision cycle, account snapshot. */
  async step(): Promise<SessionStatus> {
    if (this.finished) throw new Error('the sim feed has no more bars');
    const { store, config } = this.#options;
    this.#cursor += 1;
    // Stored before the bar is acted on: after a crash this bar is rebuilt, never run twice.
    await this.#saveState();
    const cursor = this.#cursor;
    const barTime = this.#series[0]!.time[cursor]!;
    this.#now = barTime + barCloseOffsetMs;
    this.#dayStartEquity = this.broker.equity();
    this.#realisedToday.clear();
    const expectedMs = 2 * config.schedule.barIntervalMs + 3 * config.pipeline.signerTimeoutMs;
    for (const series of this.#series) {
      this.broker.processBar(
        this.broker.book(series.symbol),
        series.time[cursor]!,
        series.open[cursor]!,
        series.high[cursor]!,
        series.low[cursor]!,
        series.close[cursor]!,
      );
    }
    await this.#recorder.flush();
    // The paper broker lives here, out of the watchdog's reach: at level 4 the session flattens it.
    if ((await haltLevelOrNull(this.#haltStore)) === 4 && this.broker.positions().length > 0) {
      const closing = await this.#journaled.closeAll(`halt4.${cursor}`);
      await this.#recorder.flush();
      await this.#options.bus.publish({
        fromAgent: 'brain',
        toAgent: 'operator',
        topic: 'brain.flattened',
        ts: new Date(this.#now),
        payload: { reason: 'halt level 4', orders: closing.map((order) => order.clientOrderId) },
      });
    }
    const monitor = await runMonitorPass({
      broker: this.#journaled,
      brokerName: 'paper',
      db: store,
      publish: (input, options) => this.#options.bus.publish(input, options),
      logger: this.#options.logger,
      onMissingStop: 'reattach',
      defaultStopPct: config.risk.maxStopDistancePct / 2,
      clock: { now: () => this.#now },
    });
    await beat(store, 'job:monitor', 'job', expectedMs, { bar: new Date(barTime).toISOString() });
    const cycleId = `${this.runId}/${new Date(barTime).toISOString().slice(0, 10)}`;
    const views = this.#series.map((series) => sliceSeries(series, undefined, barTime));
    const report = await runDecisionCycle(this.#deps, cycleId, views);
    await this.#recorder.flush();
    await beat(store, 'job:cycle', 'job', expectedMs, { cycleId });
    const equity = this.broker.equity();
    this.#highWaterMark = Math.max(this.#highWaterMark, equity);
    const account = {
      equity,
      cash: this.broker.cash(),
      highWaterMark: this.#highWaterMark,
      dayStartEquity: this.#dayStartEquity,
      positions: this.broker.positions().length,
      at: new Date(this.#now).toISOString(),
      bar: cursor,
    };
    await store.query(runtimeSql.writeState(), ['account.paper', JSON.stringify(account), 'brain']);
    return {
      bar: cursor,
      barTime: new Date(barTime).toISOString().slice(0, 10),
      cycleId,
      equity,
      cash: account.cash,
      positions: account.positions,
      haltLevel: report.haltLevel,
      outcomes: report.candidates,
      monitor,
    };
  }
}
