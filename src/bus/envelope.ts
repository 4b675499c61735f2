import { z } from 'zod';
import { withFields } from '../platform/index.ts';

/** Version of the message envelope. A reader accepts the versions it knows and rejects the rest. */
export const envelopeVersion = 1 as const;

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_.-]*$/, 'use lower-case letters, digits, ".", "_" or "-", starting with a letter');

/** Topics are dotted names such as `strategist.proposal`; subscribers may use `prefix.*` and `*`. */
export const topicSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/, 'use dotted lower-case words, e.g. "strategist.proposal"');

export const signatureSchema = z
  .object({
    signer: name,
    verdict: z.enum(['sign', 'veto']),
    reasons: z.array(z.string().max(2_000)).max(50),
    decidedBy: z.enum(['llm', 'fallback', 'code', 'operator', 'watchdog']),
    at: z.string().datetime({ offset: true }),
  })
  .strict();

export type Signature = z.infer<typeof signatureSchema>;

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

/** What a publisher hands to `publish`. */
export const messageInputSchema = z
  .object({
    fromAgent: name,
    toAgent: name,
    topic: topicSchema,
    cycleId: z.string().min(1).max(200).nullable().default(null),
    causationId: z.number().int().positive().nullable().default(null),
    payload: jsonValue,
    signatures: z.array(signatureSchema).max(20).default([]),
    /** Logical time of the message: wall clock live, the simulated clock in a backtest. */
    ts: z.date().optional(),
  })
  .strict();

export type MessageInput = z.input<typeof messageInputSchema>;
export type ValidMessageInput = z.output<typeof messageInputSchema>;

/** Where a message stands in delivery order: (transaction id, message id). */
export interface BusPosition {
  txId: string;
  id: number;
}

/** A message as stored and delivered: versioned envelope, immutable once written. */
export interface BusMessage {
  v: typeof envelopeVersion;
  id: number;
  txId: string;
  ts: Date;
  recordedAt: Date;
  fromAgent: string;
  toAgent: string;
  topic: string;
  cycleId: string | null;
  causationId: number | null;
  payload: unknown;
  signatures: Signature[];
}

/** The JSON form of a message (for `--json`, SSE and files). */
export interface BusMessageJson extends Omit<BusMessage, 'ts' | 'recordedAt'> {
  ts: string;
  recordedAt: string;
}

export function messageToJson(message: BusMessage): BusMessageJson {
  return withFields(message, { ts: message.ts.toISOString(), recordedAt: message.recordedAt.toISOString() });
}
