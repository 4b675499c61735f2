/**
 * JSON checks exactly as strict as zod's JSON schemas (the bus's `jsonValue`, the journal's
 * records) for the values they accept, without zod's cost: the fast envelope check here and
 * the journal's fast entry check (journal/fast-parse.ts) use them; anything they refuse goes
 * through zod, which decides and words the error.
 */

/** A plain object whose own keys zod's record would see and copy exactly (no symbols, no `__proto__`). */
export function isPlainRecord(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  if (Object.hasOwn(value, '__proto__')) return false;
  return Object.getOwnPropertySymbols(value).length === 0;
}

/** null, a string, a boolean, a finite number, or a plain array or record of those (64 levels at most). */
export function isJsonValue(value: unknown, depth = 0): boolean {
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
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (const item of value) if (!isJsonValue(item, depth + 1)) return false;
        return true;
      }
      return isJsonRecord(value, depth);
    }
    default:
      return false;
  }
}

/** A plain record (isPlainRecord) whose values are all JSON. */
export function isJsonRecord(value: unknown, depth = 0): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (!isPlainRecord(value)) return false;
  for (const key of Object.keys(value)) {
    if (!isJsonValue((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}
