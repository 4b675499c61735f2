import { z } from 'zod';
import { signatureSchema } from '../bus/index.ts';

/**
 * The outcomes `agent_journal.outcome` accepts (migration 0001; `command` from 0301: a chat command,
 * one line in the day's operator log, `operator-log.ts`).
 */
export const journalOutcomes = [
  'proposed',
  'no_trade',
  'vetoed',
  'signed',
  'executed',
  'rejected',
  'exited',
  'halted',
  'resumed',
  'reconciled',
  'error',
  'command',
] as const;
export type JournalOutcome = (typeof journalOutcomes)[number];

/** Who decided: an LLM, a deterministic fallback in its place, plain code, a person, the watchdog. */
export const decidedByValues = ['llm', 'fallback', 'code', 'operator', 'watchdog'] as const;
export type DecidedBy = (typeof decidedByValues)[number];

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number().finite(),
    z.string(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);
const jsonObject = z.record(z.string(), jsonValue);

/** What the broker did with the decision (or null: nothing was sent). */
export const brokerActionSchema = z
  .object({
    /** e.g. submitted, filled, rejected, cancelled, not_sent. */
    status: z.string().min(1).max(64),
    broker: z.string().min(1).max(64).nullable().default(null),
    clientOrderId: z.string().min(1).max(200).nullable().default(null),
    brokerOrderId: z.string().min(1).max(200).nullable().default(null),
    message: z.string().max(2_000).nullable().default(null),
    details: jsonObject.default({}),
  })
  .strict();

export const journalEntrySchema = z
  .object({
    /** When the decision was taken (simulated time in a backtest). */
    ts: z.date(),
    cycleId: z.string().min(1).max(200).nullable().default(null),
    /** Null for entries that concern no symbol (halt, resume). */
    symbol: z.string().trim().min(1).max(64).nullable().default(null),
    /** The agent that decided (strategist, risk-gate, watchdog, ...). */
    agent: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z][a-z0-9_.-]*$/, 'use lower-case letters, digits, ".", "_" or "-"'),
    outcome: z.enum(journalOutcomes),
    decidedBy: z.enum(decidedByValues),
    /** The proposal as made (the strategist's answer, or the fallback's). */
    proposal: jsonObject.nullable().default(null),
    /** The regime stance of the cycle. */
    stance: jsonObject.nullable().default(null),
    signatures: z.array(signatureSchema).max(20).default([]),
    /** The inputs each agent saw, by agent name, exactly as rendered from. */
    inputs: z.record(z.string(), jsonValue).default({}),
    broker: brokerActionSchema.nullable().default(null),
    /** Free remarks in plain text (e.g. why a fallback decided). */
    notes: z.array(z.string().max(4_000)).max(50).default([]),
    clientOrderId: z.string().min(1).max(200).nullable().default(null),
    /** The bus message this entry records. */
    messageId: z.number().int().positive().nullable().default(null),
    /** Extra fields for the row's `summary` column. */
    summary: jsonObject.default({}),
  })
  .strict();

export type JournalEntryInput = z.input<typeof journalEntrySchema>;
export type JournalEntry = z.output<typeof journalEntrySchema>;
export type BrokerAction = z.output<typeof brokerActionSchema>;
