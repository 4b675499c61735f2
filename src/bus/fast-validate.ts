import { type Signature, signatureSchema, type ValidMessageInput } from './envelope.ts';
import { isJsonValue } from './plain-json.ts';

/**
 * A hand-written check of the common envelope, exactly as strict as `messageInputSchema` for
 * the messages it accepts: zod's recursive JSON check costs more than the insert on the hot path
 * (backtest logs, busy cycles). Anything unusual (unknown keys, a time not in toISOString's
 * form, a failed check) returns null and goes through zod, which also words the error.
 */
const namePattern = /^[a-z][a-z0-9_.-]*$/;
const topicPattern = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
const allowedKeys = new Set([
  'fromAgent',
  'toAgent',
  'topic',
  'cycleId',
  'causationId',
  'payload',
  'signatures',
  'ts',
]);

const isName = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= 64 && namePattern.test(value);

// Read off the schema, so that the two cannot drift apart.
const verdicts: ReadonlySet<string> = new Set(signatureSchema.shape.verdict.options);
const deciders: ReadonlySet<string> = new Set(signatureSchema.shape.decidedBy.options);
const signatureKeys: ReadonlySet<string> = new Set(Object.keys(signatureSchema.shape));

/**
 * A time as Date#toISOString writes it (what every signer stamps): a string that comes back
 * unchanged through Date is a real calendar time, which zod's offset datetime accepts too.
 */
function isIsoTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 24) return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

/**
 * Signatures as `z.array(signatureSchema).max(20).default([])` returns them (fresh objects, the
 * schema's key order), or null when zod must decide. Shared with the journal's fast check.
 */
export function fastSignatures(value: unknown): Signature[] | null {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 20) return null;
  const signatures: Signature[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Object.getPrototypeOf(item) !== Object.prototype)
      return null;
    const record = item as Record<string, unknown>;
    let keys = 0;
    for (const key in record) {
      if (!signatureKeys.has(key)) return null;
      keys += 1;
    }
    const { signer, verdict, reasons, decidedBy, at } = record;
    if (keys !== signatureKeys.size || !isName(signer) || !isIsoTime(at)) return null;
    if (typeof verdict !== 'string' || !verdicts.has(verdict)) return null;
    if (typeof decidedBy !== 'string' || !deciders.has(decidedBy)) return null;
    if (!Array.isArray(reasons) || reasons.length > 50) return null;
    for (const reason of reasons) if (typeof reason !== 'string' || reason.length > 2_000) return null;
    signatures.push({
      signer,
      verdict: verdict as Signature['verdict'],
      reasons: [...(reasons as string[])],
      decidedBy: decidedBy as Signature['decidedBy'],
      at,
    });
  }
  return signatures;
}

export function fastValidate(input: unknown): ValidMessageInput | null {
  if (typeof input !== 'object' || input === null) return null;
  const record = input as Record<string, unknown>;
  for (const key in record) if (!allowedKeys.has(key)) return null;
  const { fromAgent, toAgent, topic, cycleId, causationId, payload, signatures, ts } = record;
  if (!isName(fromAgent) || !isName(toAgent)) return null;
  if (typeof topic !== 'string' || topic.length < 1 || topic.length > 128 || !topicPattern.test(topic))
    return null;
  if (
    cycleId !== undefined &&
    cycleId !== null &&
    (typeof cycleId !== 'string' || cycleId.length < 1 || cycleId.length > 200)
  )
    return null;
  if (
    causationId !== undefined &&
    causationId !== null &&
    (typeof causationId !== 'number' || !Number.isInteger(causationId) || causationId <= 0)
  )
    return null;
  const validSignatures = fastSignatures(signatures);
  if (!validSignatures) return null;
  if (ts !== undefined && !(ts instanceof Date && !Number.isNaN(ts.getTime()))) return null;
  if (!('payload' in record) || !isJsonValue(payload)) return null;
  return {
    fromAgent,
    toAgent,
    topic,
    cycleId: (cycleId as string | null | undefined) ?? null,
    causationId: (causationId as number | null | undefined) ?? null,
    payload,
    signatures: validSignatures,
    ...(ts === undefined ? {} : { ts: ts as Date }),
  };
}
