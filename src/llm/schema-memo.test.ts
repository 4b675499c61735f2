import { describe, expect, it } from 'vitest';
import { memoizedBySchema } from './schema-memo.ts';

const frozen = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const each of Object.values(value)) frozen(each);
    Object.freeze(value);
  }
  return value;
};

describe('memoizedBySchema', () => {
  it('computes once per schema: by identity when frozen all the way down, else by its text', () => {
    let computed = 0;
    const keys = memoizedBySchema((schema) => {
      computed += 1;
      return Object.keys(schema).join(',');
    });
    const skillSchema = frozen({ type: 'object', properties: { a: { type: 'number' } } });
    expect(keys(skillSchema)).toBe('type,properties');
    expect(keys(skillSchema)).toBe('type,properties');
    expect(computed).toBe(1);
    // A fresh copy of the same text: the same result, not computed again.
    expect(keys(structuredClone(skillSchema))).toBe('type,properties');
    expect(computed).toBe(1);
    // A copy changed after it was seen is not found by identity: its new text is computed.
    const loose: Record<string, unknown> = { type: 'object' };
    expect(keys(loose)).toBe('type');
    loose.required = [];
    expect(keys(loose)).toBe('type,required');
    // Frozen at the top only: its insides can change, so it is looked up by text.
    const shallow = Object.freeze({ type: 'object', properties: { b: { type: 'string' } } });
    keys(shallow);
    (shallow.properties.b as Record<string, unknown>).type = 'number';
    expect(keys(shallow)).toBe('type,properties');
    expect(computed).toBe(5);
  });
});
