import path from 'node:path';
import type { Broker } from '../broker/index.ts';
import type { Bus, BusMessage } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { type HeartbeatStatus, readHeartbeats } from '../heartbeats/index.ts';
import type { JournalDocument, JournalListing } from '../journal/index.ts';
import { type LedgerSummaryRow, type LlmStatus, ledgerSummary, readLlmStatus } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import { type Explanation, explain } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import {
  type AccountSnapshot,
  checkInvariants,
  type HaltState,
  type HaltStore,
  haltFileFor,
  type InvariantReport,
  readHalt,
} from '../watchdog/index.ts';
import { type AccountFields, readAccount } from './account.ts';
import {
  type ActionDeps,
  type HaltOutcome,
  haltTrading,
  type OperatorChannel,
  type ResumeCommand,
  resume,
} from './actions.ts';
import { type ChatCommand, type ExitRequest, recordCommand, requestExit } from './chat.ts';
import { journalDays, journalEntries, journalEntry, journalText } from './journal.ts';
import {
  type OrderFilter,
  readCycles,
  readFills,
  readOrders,
  readPositions,
  readRecentJournal,
} from './ledger.ts';

export interface OperatorDeps {
  store: Store;
  bus: Bus;
  config: Config;
  logger: Logger;
}

export interface OperatorStatus {
  now: string;
  /** Null when the halt cannot be read, which blocks trading (`haltError` says why). */
  halt: HaltState | null;
  haltError: string | null;
  heartbeats: HeartbeatStatus[];
  /** The complete snapshot the watchdog checks, or null. */
  account: AccountSnapshot | null;
  /** Every stored account field, with when it was written, for display; or null. */
  accountFields: AccountFields | null;
}

export interface MessageQuery {
  from?: Date;
  to?: Date;
  cycleId?: string;
  /** Exact topics or `prefix.*` patterns. */
  topics?: string[];
  limit: number;
}

/**
 * Everything an operator can ask or do, whoever asks: the CLI, the HTTP API and the Telegram
 * bot are adapters that parse, call one method and render. Actions are journaled and published
 * the same way for each; `by` names the channel.
 */
export class OperatorService {
  readonly #deps: OperatorDeps;
  readonly #haltStore: HaltStore;
  readonly #journalRoot: string;

  constructor(deps: OperatorDeps) {
    this.#deps = deps;
    this.#haltStore = { db: deps.store, haltFile: haltFileFor(deps.config.dataPath) };
    this.#journalRoot = path.resolve(deps.config.paths.contextDir);
  }

  get #actionDeps(): ActionDeps {
    return { haltStore: this.#haltStore, config: this.#deps.config, logger: this.#deps.logger };
  }

  // --- actions -------------------------------------------------------------------------------

  /** Raises the halt (never lowers it); journaled, and `halt.raised` on the bus. */
  halt(level: number, reason: string, by: OperatorChannel, actor?: string): Promise<HaltOutcome> {
    return haltTrading(this.#actionDeps, { level, reason, by, actor });
  }

  /** A chat command (allowed or ignored) as an `operator.command` message with who sent it. */
  recordCommand(command: ChatCommand): Promise<{ journalPath: string }> {
    return recordCommand(this.#deps, command);
  }

  /**
   * Closes one position: journaled, then `operator.exit_requested`, which the brain's session
   * executes with the monitor's exit order (the one path a position is closed outside a cycle).
   */
  requestExit(request: ExitRequest): Promise<{ journalPath: string; messageId: number; qty: number }> {
    return requestExit(this.#deps, request);
  }

  /**
   * Level 4: the watchdog cancels every order and closes every position through its own broker
   * connection (in sim mode the brain's session flattens its paper account), then the lock holds.
   */
  flatten(reason: string, by: OperatorChannel): Promise<HaltOutcome> {
    return haltTrading(this.#actionDeps, { level: 4, reason, by });
  }

  /** Back to level 0 with the operator token and a written acknowledgement; journaled, `halt.resumed`. */
  resume(command: ResumeCommand): Promise<{ previous: HaltState; operator: string; journalPath: string }> {
    return resume(this.#actionDeps, command);
  }

  // --- reads ---------------------------------------------------------------------------------

  /** The halt in force; throws when it cannot be read. */
  currentHalt(): Promise<HaltState> {
    return readHalt(this.#haltStore);
  }

  /** The text of a halt's journal entry, or a line saying it cannot be read. */
  journalText(entryPath: string): Promise<string> {
    return journalText(this.#deps.config.paths.contextDir, entryPath);
  }

  /** Halt, heartbeats (stale by the watchdog's rule) and the account, read once. */
  async status(): Promise<OperatorStatus> {
    let halt: HaltState | null = null;
    let haltError: string | null = null;
    try {
      halt = await readHalt(this.#haltStore);
    } catch (error) {
      // Fail closed: an unreadable halt flag means no trading, and every channel says so.
      haltError = (error as Error).message;
    }
    const heartbeats = await readHeartbeats(this.#deps.store);
    const account = await readAccount(this.#deps.store, this.#deps.config.broker.kind);
    return {
      now: new Date().toISOString(),
      halt,
      haltError,
      heartbeats,
      account: account.snapshot,
      accountFields: account.fields,
    };
  }

  /**
   * The watchdog's invariants measured now from our tables, and at `broker` when given (the
   * watchdog's own connection; the paper broker lives in the brain).
   */
  async invariants(broker?: Broker): Promise<InvariantReport> {
    const { fields } = await readAccount(this.#deps.store, this.#deps.config.broker.kind);
    return checkInvariants({
      config: this.#deps.config,
      db: this.#deps.store,
      broker,
      databaseDownSince: null,
      now: Date.now(),
      highWaterMark: fields?.highWaterMark ?? fields?.equity ?? 0,
    });
  }

  positions() {
    return readPositions(this.#deps.store);
  }

  orders(filter: OrderFilter) {
    return readOrders(this.#deps.store, filter);
  }

  fills(filter: { symbol?: string; limit: number }) {
    return readFills(this.#deps.store, filter);
  }

  cycles(limit: number) {
    return readCycles(this.#deps.store, limit);
  }

  /** The chain of one decision by cycle id or client order id; null when neither exists. */
  explain(id: string): Promise<Explanation | null> {
    return explain(this.#deps.store, this.#deps.bus, id);
  }

  /** Bus messages in delivery order by window, cycle and topics; with no filter, the newest `limit`. */
  messages(query: MessageQuery): Promise<BusMessage[]> {
    if (!query.from && !query.to && !query.cycleId && !query.topics)
      return this.#deps.bus.newest(query.limit);
    return this.#deps.bus.replayAll(query);
  }

  /** The newest journal rows, one symbol or all, each with the id `signet explain` takes. */
  recentJournal(symbol: string | undefined, limit: number) {
    return readRecentJournal(this.#deps.store, symbol, limit);
  }

  journalDays(): Promise<string[]> {
    return journalDays(this.#journalRoot);
  }

  journalEntries(day: string, text?: string): Promise<JournalListing[]> {
    return journalEntries(this.#journalRoot, day, text);
  }

  journalEntry(entryPath: string): Promise<JournalDocument> {
    return journalEntry(this.#journalRoot, entryPath);
  }

  /**
   * The LLM cost ledger by day, route, model and agent over whole UTC days: `from`..`to`
   * inclusive, or the `days` before the end of `to` (default today).
   */
  async costs(window: { from?: string; to?: string; days: number }): Promise<{
    from: string;
    to: string;
    totalUsd: number;
    notionalUsd: number;
    rows: LedgerSummaryRow[];
  }> {
    const to = window.to ? new Date(`${window.to}T00:00:00Z`) : new Date();
    const end = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate() + 1));
    const from = window.from
      ? new Date(`${window.from}T00:00:00Z`)
      : new Date(end.getTime() - window.days * 86_400_000);
    const rows = await ledgerSummary(this.#deps.store, from, end);
    const totalUsd = rows.reduce((sum, row) => sum + row.costUsd, 0);
    const notionalUsd = rows.reduce((sum, row) => sum + row.notionalUsd, 0);
    return { from: from.toISOString(), to: end.toISOString(), totalUsd, notionalUsd, rows };
  }

  /** LLM routes with their breakers, refused requests still standing and the daily budget. */
  llmStatus(): Promise<LlmStatus> {
    return readLlmStatus(this.#deps.store, this.#deps.config.llm);
  }
}
