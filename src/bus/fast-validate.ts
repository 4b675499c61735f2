import type { ValidMessageInput } from './envelope.ts';

/**
 * A hand-written check of the common envelope, exactly as strict as `messageInputSchema` for
 * the messages it accepts: zod's recursive JSON check costs more than the insert on the hot path
 * (backtest logs, busy cycles). Anything unusual (signatures, unknown keys, a failed check)
 * returns null and goes through zod, which also words the error.
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

function isJson(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (depth > 64) return false;
      if (Array.isArray(value)) {
        for (const item of value) if (!isJson(item, depth + 1)) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value as Record<string, unknown>) {
        if (!isJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const isName = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= 64 && namePattern.test(value);

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
  if (signatures !== undefined && !(Array.isArray(signatures) && signatures.length === 0)) return null;
  if (ts !== undefined && !(ts instanceof Date && !Number.isNaN(ts.getTime()))) return null;
  if (!('payload' in record) || !isJson(payload, 0)) return null;
  return {
    fromAgent,
    toAgent,
    topic,
    cycleId: (cycleId as string | null | undefined) ?? null,
    causationId: (causationId as number | null | undefined) ?? null,
    payload,
    signatures: [],
    ...(ts === undefined ? {} : { ts: ts as Date }),
  };
}
