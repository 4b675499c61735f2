import { createHash } from 'node:crypto';
import type { AgentRuntime, CeoLimits, MacroSymbols, Quote, StrategistRules } from '../agents/index.ts';
import type { Broker } from '../broker/index.ts';
import type { BusMessage, MessageInput, SentMessage } from '../bus/index.ts';
import type { JournalEntryInput } from '../journal/index.ts';
import type { BarSeries } from '../market/index.ts';
import type { NewsFeed } from '../news/index.ts';
import type { Queryable, SqlWrite } from '../store/index.ts';
import type { Strategy } from '../strategies/index.ts';
import type { SubmissionHalt } from '../watchdog/index.ts';
import type { AgentDesk } from './desk.ts';
import type { DeskRecord } from './desk-record.ts';
import type { RiskLimits, RiskPosition } from './risk-gate.ts';

/** The decision cycle's contract: what it needs (deps, settings) and what it reports. */
export interface PortfolioSnapshot {
  equity: number;
  cash: number;
  dayStartEquity: number;
  positions: RiskPosition[];
  symbolPnlToday: Record<string, number>;
}

export interface CycleSettings {
  limits: RiskLimits;
  rules: StrategistRules;
  timeframe: string;
  /** Candidates kept by the screen. */
  topK: number;
  /** Candidates worked on at once (LLM calls in flight); their Risk Gates read the account one at a time, in rank order. */
  parallelism: number;
  signerTimeoutMs: number;
  maxDataAgeSeconds: number;
  /** How far a proposal's fact may be from the data it names, in percent (FactChecker, code). */
  factTolerancePct: number;
  commissionRate: number;
  /** The Macro Officer's index and sectors (config `macro`); default: SPY, no sectors. */
  macro?: MacroSymbols;
  /** Bounds of the CEO's daily budget (config `ceo`). */
  ceo?: CeoLimits;
}

export interface CycleDeps {
  runtime: AgentRuntime;
  publish(input: MessageInput, options?: { tx?: Queryable }): Promise<BusMessage>;
  /**
   * A message's id before its commit (Bus.send), so a candidate names its stance as the cause of
   * its proposal without waiting for the stance's commit; every write is awaited before an order
   * leaves. Absent: each message's id comes from `publish`, after its commit.
   */
  send?(input: MessageInput): Promise<SentMessage>;
  /**
   * Publishes a message with the rows that must commit with it (an order intent and its legs, a
   * submission's answer) in one statement (Bus.publishWithWrites): `writes` gets the message's id;
   * `options.guard`, an SQL expression the statement evaluates, refuses all of it by raising (the
   * halt at submission, `haltAtSubmission`).
   */
  publishWithWrites(
    input: MessageInput,
    writes: (messageId: number) => readonly SqlWrite[],
    options?: { guard?: string },
  ): Promise<BusMessage>;
  /** One read on its own (one round trip, where a transaction costs three). */
  query: Queryable['query'];
  broker: Broker;
  brokerName: string;
  portfolio(): Promise<PortfolioSnapshot>;
  /** The halt level, or null when it cannot be read (which blocks trading). */
  haltLevel(): Promise<number | null>;
  /**
   * The halt ladder at an order's submission, checked where its intent is written (watchdog
   * submissionHalt): the file read just before the intent's statement, the row inside it, so the
   * check and the intent commit together and cost no round trip of their own. `publishWithWrites`
   * must pass `guard` to the bus. Absent: `haltLevel()` is read before the intent (a backtest,
   * whose own level no one raises).
   */
  haltAtSubmission?: SubmissionHalt;
  /**
   * The halt level (as `haltLevel`) and the account's entry orders that may still fill, in one
   * statement: the Risk Gate's read, once a candidate. Absent: `haltLevel()` and a read of the
   * entries of its own. Throws when the statement fails (the candidate fails: exposure that
   * cannot be counted is not assumed to be none).
   */
  haltAndPendingEntries?(): Promise<HaltAndPendingEntries>;
  /** A quote read again at signing time. */
  freshQuote(symbol: string): Promise<Quote>;
  /**
   * Writes a decision's entry (its file, then its row). `rowAfter`: the commit of the message the
   * entry names, which the row waits for while the file is placed (see writeJournalEntry).
   */
  journal(entry: JournalEntryInput, timing?: { rowAfter?: Promise<unknown> }): Promise<void>;
  clock: { now(): number };
  settings: CycleSettings;
  fallbackStrategy: Strategy;
  /** Headlines for the candidates (none when absent): how far back, how many per candidate. */
  news?: { feed: NewsFeed; lookbackMs: number; limit: number };
  /** The Macro Officer's and the CEO's state across cycles; default: one kept per deps object. */
  desk?: AgentDesk;
  /**
   * The index and sector bars the Macro Officer reads, loaded apart from the traded symbols (market
   * mode: the venue's feed); default: the cycle's universe. Never screened, never traded.
   */
  macroBars?(): Promise<BarSeries[]>;
  /**
   * Where a new desk reads the day's Macro Officer view, CEO directive and new positions back
   * (the sessions, so a restart keeps the day's budget); absent (backtests): memory only.
   */
  deskRecord?: DeskRecord;
}

/** An entry order that may still fill, as read: `price` its limit or stop, null with neither. */
export interface PendingEntryRow {
  symbol: string;
  qty: number;
  price: number | null;
}

export interface HaltAndPendingEntries {
  haltLevel: number | null;
  entries: PendingEntryRow[];
}

export type CandidateOutcome = 'no_trade' | 'vetoed' | 'executed' | 'rejected' | 'error' | 'halted';

export interface CandidateReport {
  symbol: string;
  outcome: CandidateOutcome;
  /** The Strategist proposed a trade (whatever the signers and the broker did with it). */
  proposed: boolean;
  clientOrderId: string | null;
  qty: number;
  reasons: string[];
}

export interface CycleReport {
  cycleId: string;
  haltLevel: number | null;
  screened: Array<{ symbol: string; score: number }>;
  candidates: CandidateReport[];
}

/** Deterministic client order id: the same cycle and symbol always give the same id. */
export function clientOrderIdFor(cycleId: string, symbol: string): string {
  return `sg-${createHash('sha256').update(`${cycleId}:${symbol}`).digest('hex').slice(0, 24)}`;
}
