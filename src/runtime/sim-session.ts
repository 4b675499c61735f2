import path from 'node:path';
import { type AgentRuntime, defaultStrategistRules, type Quote } from '../agents/index.ts';
import { type BrokerEvent, PaperBroker } from '../broker/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { beat } from '../heartbeats/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import { type BarSeries, generateSimSeries, sliceSeries } from '../market/index.ts';
import {
  type CycleDeps,
  type CycleReport,
  type MonitorReport,
  runDecisionCycle,
  runMonitorPass,
} from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { createStrategy } from '../strategies/index.ts';
import { haltFileFor, haltLevelOrNull } from '../watchdog/index.ts';
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
  /** Prefix of cycle ids and client order ids for this run. */
  runId: string;
}

// Daily bars are stamped at midnight UTC; the session acts as if the bar closed at 21:00 UTC.
const barCloseOffsetMs = 21 * 3_600_000;

/**
 * Paper trading on the synthetic market with an accelerated clock: each step reveals one more
 * bar of every symbol, lets the paper broker fill on it, runs the position monitor, then one
 * decision cycle on the bars seen so far. The same pipeline code runs on live data.
 */
export class SimSession {
  readonly broker: PaperBroker;
  readonly #series: BarSeries[];
  readonly #recorder: BrokerRecorder;
  readonly #deps: CycleDeps;
  readonly #options: SimSessionOptions;
  readonly #haltStore: { db: Store; haltFile: string };
  #cursor: number;
  #now = 0;
  #dayStartEquity: number;
  #highWaterMark: number;
  #realisedToday = new Map<string, number>();

  constructor(options: SimSessionOptions) {
    const { config } = options;
    this.#options = options;
    const sim = config.feed.sim;
    this.#series = sim.symbols.map((symbol) =>
      generateSimSeries({ seed: sim.seed, symbols: sim.symbols, bars: sim.bars, start: sim.start }, symbol),
    );
    this.#cursor = sim.warmupBars - 1;
    this.#haltStore = { db: options.store, haltFile: haltFileFor(config.dataPath) };
    const clock = { now: () => this.#now };
    this.#recorder = new BrokerRecorder({
      store: options.store,
      publish: (input, publishOptions) => options.bus.publish(input, publishOptions),
      brokerName: 'paper',
      logger: options.logger,
      clock,
      onTradeClosed: (event) => this.#journalExit(event),
    });
    this.broker = new PaperBroker({
      cash: config.paper.cash,
      commission: config.paper.commission,
      slippage: config.paper.slippage,
      clock,
      onEvent: (event: BrokerEvent) => this.#onBrokerEvent(event),
    });
    this.#dayStartEquity = config.paper.cash;
    this.#highWaterMark = config.paper.cash;
    const journalRoot = path.resolve(config.paths.contextDir);
    const strategist = config.strategist;
    this.#deps = {
      runtime: options.agents,
      publish: (input, publishOptions) => options.bus.publish(input, publishOptions),
      transaction: (work) => options.store.transaction(work),
      broker: this.broker,
      brokerName: 'paper',
      portfolio: async () => this.#portfolio(),
      haltLevel: () => haltLevelOrNull(this.#haltStore),
      freshQuote: async (symbol) => this.#quote(symbol),
      journal: async (entry) => {
        await writeJournalEntry(entry, { db: options.store, root: journalRoot });
      },
      clock,
      settings: {
        limits: config.risk,
        rules: {
          ...defaultStrategistRules,
          minRewardToRisk: strategist.minRewardToRisk,
          maxHorizonBars: strategist.maxHorizonBars,
          allowShort: strategist.allowShort,
          stopAtr: strategist.stopAtr,
          targetAtr: strategist.targetAtr,
        },
        timeframe: config.pipeline.timeframe,
        topK: config.pipeline.topK,
        parallelism: config.pipeline.parallelism,
        signerTimeoutMs: config.pipeline.signerTimeoutMs,
        maxDataAgeSeconds: config.pipeline.maxDataAgeSeconds,
        commissionRate: config.paper.commission,
      },
      fallbackStrategy: createStrategy(strategist.fallback, strategist.fallbackParameters),
    };
    // The broker learns the history the agents start with.
    for (const series of this.#series) {
      const book = this.broker.book(series.symbol);
      for (let index = 0; index <= this.#cursor; index += 1) {
        this.broker.processBar(
          book,
          series.time[index]!,
          series.open[index]!,
          series.high[index]!,
          series.low[index]!,
          series.close[index]!,
        );
      }
    }
  }

  get symbols(): string[] {
    return this.#series.map((series) => series.symbol);
  }

  get finished(): boolean {
    return this.#cursor >= (this.#series[0]?.length ?? 0) - 1;
  }

  #onBrokerEvent(event: BrokerEvent): void {
    if (event.kind === 'trade-closed') {
      const symbol = event.trade.symbol;
      this.#realisedToday.set(symbol, (this.#realisedToday.get(symbol) ?? 0) + event.trade.pnl);
    }
    this.#recorder.record(event);
  }

  async #journalExit(event: Extract<BrokerEvent, { kind: 'trade-closed' }>): Promise<void> {
    const { trade } = event;
    await writeJournalEntry(
      {
        ts: new Date(trade.exitTime),
        symbol: trade.symbol,
        agent: 'monitor',
        outcome: 'exited',
        decidedBy: 'code',
        broker: {
          status: 'filled',
          broker: 'paper',
          message: `closed ${trade.qty} at ${trade.exitPrice}`,
          details: {
            entryPrice: trade.entryPrice,
            exitPrice: trade.exitPrice,
            pnl: Number(trade.pnl.toFixed(2)),
          },
        },
        notes: [
          `Position closed: P&L ${trade.pnl.toFixed(2)} after ${new Date(trade.entryTime).toISOString().slice(0, 10)} → ${new Date(trade.exitTime).toISOString().slice(0, 10)}.`,
        ],
      },
      { db: this.#options.store, root: path.resolve(this.#options.config.paths.contextDir) },
    );
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
    this.#cursor += 1;
    const cursor = this.#cursor;
    const barTime = this.#series[0]!.time[cursor]!;
    this.#now = barTime + barCloseOffsetMs;
    const { store, config } = this.#options;
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
    const monitor = await runMonitorPass({
      broker: this.broker,
      brokerName: 'paper',
      db: store,
      publish: (input, options) => this.#options.bus.publish(input, options),
      logger: this.#options.logger,
      onMissingStop: 'reattach',
      defaultStopPct: config.risk.maxStopDistancePct / 2,
      clock: { now: () => this.#now },
    });
    await beat(store, 'job:monitor', 'job', expectedMs, { bar: new Date(barTime).toISOString() });
    const cycleId = `${this.#options.runId}/${new Date(barTime).toISOString().slice(0, 10)}`;
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
