import { fastSignatures, isJsonRecord, isPlainRecord } from '../bus/index.ts';
import { decidedByValues, type JournalEntry, type JournalEntryInput, journalOutcomes } from './schema.ts';

/**
 * A hand-written check of the common journal entry, exactly as strict as `journalEntrySchema`
 * for the entries it accepts, with the same output (defaults filled in, the symbol trimmed): the
 * schema's recursive JSON check was a tenth of a full-pipeline backtest's main thread. It takes
 * no shortcut for text from a model: every field is checked as the schema checks it. Anything
 * unusual (unknown keys, symbol keys, a `__proto__` key, a failed
 * check) returns null and goes through zod, which also words the error.
 */
const agentPattern = /^[a-z][a-z0-9_.-]*$/;
const outcomes: ReadonlySet<unknown> = new Set(journalOutcomes);
const deciders: ReadonlySet<unknown> = new Set(decidedByValues);
const allowedKeys: ReadonlySet<string> = new Set([
  'ts',
  'cycleId',
  'symbol',
  'agent',
  'outcome',
  'decidedBy',
  'proposal',
  'stance',
  'signatures',
  'inputs',
  'broker',
  'notes',
  'clientOrderId',
  'messageId',
  'summary',
]);

const isText = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max;

/** `.nullable().default(null)` of a text field: the value, null, or undefined when invalid. */
function optionalText(value: unknown, max: number): string | null | undefined {
  if (value === undefined || value === null) return null;
  return isText(value, 1, max) ? value : undefined;
}

function optionalRecord(value: unknown): Record<string, unknown> | null | undefined {
  if (value === undefined || value === null) return null;
  return isJsonRecord(value) ? value : undefined;
}

function notesOf(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 50 || Object.getPrototypeOf(value) !== Array.prototype)
    return undefined;
  for (const note of value) if (!isText(note, 0, 4_000)) return undefined;
  return value;
}

const brokerKeys: ReadonlySet<string> = new Set([
  'status',
  'broker',
  'clientOrderId',
  'brokerOrderId',
  'message',
  'details',
]);

/** `brokerActionSchema` (nullable, default null) by hand: the action as zod outputs it, or undefined. */
function brokerActionOf(value: unknown): JournalEntry['broker'] | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || !isPlainRecord(value)) return undefined;
  for (const key of Object.keys(value)) if (!brokerKeys.has(key)) return undefined;
  const action = value as Record<string, unknown>;
  if (!isText(action.status, 1, 64)) return undefined;
  const broker = optionalText(action.broker, 64);
  const clientOrderId = optionalText(action.clientOrderId, 200);
  const brokerOrderId = optionalText(action.brokerOrderId, 200);
  const message = action.message === undefined || action.message === null ? null : action.message;
  const details = action.details === undefined ? {} : action.details;
  if (broker === undefined || clientOrderId === undefined || brokerOrderId === undefined) return undefined;
  if (message !== null && !isText(message, 0, 2_000)) return undefined;
  if (!isJsonRecord(details)) return undefined;
  return { status: action.status, broker, clientOrderId, brokerOrderId, message, details };
}

/** The entry as `journalEntrySchema` would output it, or null: let zod decide (and word the error). */
export function fastJournalEntry(input: JournalEntryInput): JournalEntry | null {
  if (typeof input !== 'object' || input === null || !isPlainRecord(input)) return null;
  for (const key of Object.keys(input)) if (!allowedKeys.has(key)) return null;
  const { ts, agent, outcome, decidedBy, signatures, broker, messageId } = input;
  if (!(ts instanceof Date) || Number.isNaN(ts.getTime())) return null;
  if (!isText(agent, 1, 64) || !agentPattern.test(agent)) return null;
  if (!outcomes.has(outcome) || !deciders.has(decidedBy)) return null;
  const validSignatures = fastSignatures(signatures);
  if (!validSignatures) return null;
  const brokerAction = brokerActionOf(broker);
  if (brokerAction === undefined) return null;
  if (messageId !== undefined && messageId !== null && !(Number.isSafeInteger(messageId) && messageId > 0))
    return null;
  let symbol: string | null = null;
  if (input.symbol !== undefined && input.symbol !== null) {
    if (typeof input.symbol !== 'string') return null;
    symbol = input.symbol.trim();
    if (!isText(symbol, 1, 64)) return null;
  }
  const cycleId = optionalText(input.cycleId, 200);
  const clientOrderId = optionalText(input.clientOrderId, 200);
  const proposal = optionalRecord(input.proposal);
  const stance = optionalRecord(input.stance);
  const notes = notesOf(input.notes);
  // `.default({})` fills in undefined only: a null is refused (by zod).
  const inputs = input.inputs === undefined ? {} : input.inputs;
  const summary = input.summary === undefined ? {} : input.summary;
  if (cycleId === undefined || clientOrderId === undefined || proposal === undefined) return null;
  if (stance === undefined || notes === undefined) return null;
  if (!isJsonRecord(inputs) || !isJsonRecord(summary)) return null;
  return {
    ts,
    cycleId,
    symbol,
    agent,
    outcome: outcome as JournalEntry['outcome'],
    decidedBy: decidedBy as JournalEntry['decidedBy'],
    proposal,
    stance,
    signatures: validSignatures,
    inputs,
    broker: brokerAction,
    notes,
    clientOrderId,
    messageId: messageId ?? null,
    summary,
  };
}
