import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRandom } from '../market/index.ts';
import { fastCheckOf } from './fast-check.ts';
import type { JsonSchemaObject } from './json-schema.ts';
import { scanSkillsDir } from './registry.ts';
import { shippedSkillsDir } from './shipped.ts';

type Next = () => number;
const pick = <T>(next: Next, list: readonly T[]): T => list[Math.floor(next() * list.length)]!;

/** A value the schema describes (within the part of JSON Schema the fast check reads). */
function valid(schema: JsonSchemaObject, next: Next): unknown {
  if (Array.isArray(schema.enum)) return pick(next, schema.enum);
  const type = Array.isArray(schema.type) ? pick(next, schema.type as string[]) : schema.type;
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return next() < 0.5;
    case 'integer': {
      const low = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const high = typeof schema.maximum === 'number' ? schema.maximum : 1000;
      return Math.ceil(low) + Math.floor(next() * (Math.floor(high) - Math.ceil(low) + 1));
    }
    case 'number': {
      const low = typeof schema.minimum === 'number' ? schema.minimum : -1e6;
      const high = typeof schema.maximum === 'number' ? schema.maximum : 1e6;
      return Math.min(high, Math.max(low, low + next() * (high - low)));
    }
    case 'string': {
      const low = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const high = typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, low + 12) : low + 12;
      const length = low + Math.floor(next() * (high - low + 1));
      return Array.from({ length }, () => pick(next, [...'abcXYZ 09-:é"\\\n'])).join('');
    }
    case 'array': {
      const low = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const high = typeof schema.maxItems === 'number' ? Math.min(schema.maxItems, low + 4) : low + 4;
      const length = low + Math.floor(next() * (high - low + 1));
      return Array.from({ length }, () => valid(schema.items as JsonSchemaObject, next));
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchemaObject>;
      const required = new Set((schema.required ?? []) as string[]);
      const value: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(properties))
        if (required.has(key) || next() < 0.6) value[key] = valid(child, next);
      const extra = schema.additionalProperties;
      if (typeof extra === 'object' && extra !== null && next() < 0.7)
        value[`extra${Math.floor(next() * 9)}`] = valid(extra as JsonSchemaObject, next);
      if ((extra === undefined || extra === true) && next() < 0.3) value.anything = { kept: [1, 'two'] };
      return value;
    }
    default:
      throw new Error(`no generator for ${String(type)}`);
  }
}

const oddValues: unknown[] = [
  undefined,
  null,
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 53,
  1.5,
  -1e-9,
  1e300,
  '',
  'x',
  '😀',
  'a😀',
  '\ud800',
  true,
  false,
  [],
  [undefined],
  {},
  new Date(0),
  Object.create(null),
  JSON.parse('{"__proto__": 1}'),
  'trending_up',
  'long',
];

/** The value with one thing changed somewhere inside it (a copy; the original is kept). */
function mutated(value: unknown, next: Next): unknown {
  if (Array.isArray(value)) {
    const copy = [...value];
    const roll = next();
    if (copy.length > 0 && roll < 0.5) {
      const index = Math.floor(next() * copy.length);
      copy[index] = mutated(copy[index], next);
    } else if (roll < 0.6) copy.pop();
    else if (roll < 0.7) copy.push(pick(next, oddValues));
    else if (roll < 0.8) {
      const holed = [...copy];
      holed.length += 1;
      return holed;
    } else return pick(next, oddValues);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const roll = next();
    if (entries.length > 0 && roll < 0.45) {
      const index = Math.floor(next() * entries.length);
      entries[index] = [entries[index]![0], mutated(entries[index]![1], next)];
    } else if (entries.length > 0 && roll < 0.55) entries.splice(Math.floor(next() * entries.length), 1);
    else if (roll < 0.65)
      entries.push([pick(next, ['extra1', 'unknown', 'c', 'toString']), pick(next, oddValues)]);
    else if (roll < 0.75) entries.reverse();
    else if (roll < 0.8) return Object.assign(Object.create(null), Object.fromEntries(entries));
    else if (roll < 0.85) {
      const hidden = Object.fromEntries(entries);
      Object.defineProperty(hidden, pick(next, ['c', 'o', 'side', 'regime']), {
        value: 1,
        enumerable: false,
      });
      return hidden;
    } else return pick(next, oddValues);
    return Object.fromEntries(entries);
  }
  return pick(next, oddValues);
}

/** Equal as data, key order aside (the renderer orders keys by the schema), -0 and 0 apart. */
function sameData(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a).sort();
  const bKeys = Object.keys(b).sort();
  if (aKeys.join('\u0000') !== bKeys.join('\u0000')) return false;
  return aKeys.every((key) =>
    sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/**
 * The fast check's promise: whatever it accepts, zod accepts and gives back equal; and it proves
 * valid values valid (else it would only add work).
 */
function compare(schema: JsonSchemaObject, seed: number, cases = 400): { proven: number } {
  const fast = fastCheckOf(schema);
  if (!fast) throw new Error(`no fast check for ${JSON.stringify(schema)}`);
  const zod = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  // Seeded: the same cases on every run.
  const next = createRandom(seed);
  let proven = 0;
  for (let index = 0; index < cases; index += 1) {
    const good = valid(schema, next);
    expect(fast(good), JSON.stringify(good)).toBe(true);
    const candidates = [good, mutated(good, next), mutated(mutated(good, next), next)];
    for (const value of candidates) {
      const parsed = zod.safeParse(value);
      if (fast(value)) {
        proven += 1;
        expect(parsed.success, `fast accepted what zod refuses: ${String(JSON.stringify(value))}`).toBe(true);
        expect(sameData(parsed.data, value), `zod changed ${String(JSON.stringify(value))}`).toBe(true);
      }
    }
  }
  return { proven };
}

const synthetic: JsonSchemaObject[] = [
  { type: 'number', minimum: -1, maximum: 2 },
  { type: 'integer', minimum: 0 },
  { type: ['number', 'null'] },
  { type: 'string', minLength: 1, maxLength: 3 },
  { type: 'string' },
  { type: 'boolean' },
  { type: 'string', enum: ['long', 'short', 'neutral'] },
  { enum: ['a', null] },
  {
    type: 'array',
    minItems: 1,
    maxItems: 3,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['c'],
      properties: { c: { type: 'number' }, o: { type: 'number' }, t: { type: 'string' } },
    },
  },
  { type: 'object', additionalProperties: { type: ['number', 'null'] } },
  { type: 'object', properties: { side: { type: 'string', enum: ['long', 'short'] } } },
  {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['regime'],
    properties: {
      regime: { type: 'string', enum: ['trending_up', 'ranging'] },
      inner: { type: 'array', items: { type: ['string', 'integer'] } },
    },
  },
];

describe('fastCheckOf', () => {
  it.each(synthetic.map((schema, index) => [index, schema] as const))(
    'schema %i: accepts only what zod accepts unchanged, and every valid value generated',
    (index, schema) => {
      // Every generated valid value and some mutated ones are proven (400 cases, three values each).
      expect(compare(schema, 1000 + index).proven).toBeGreaterThan(400);
    },
  );

  it("holds for every field of every shipped skill's inputs it takes, and takes the window and indicators", async () => {
    const { skills } = await scanSkillsDir(shippedSkillsDir());
    let fields = 0;
    for (const skill of skills) {
      const properties = skill.inputs.jsonSchema.properties as Record<string, JsonSchemaObject>;
      for (const [field, schema] of Object.entries(properties)) {
        if (['bars', 'indicators'].includes(field))
          expect(fastCheckOf(schema), `${skill.name}.${field}`).not.toBeNull();
        if (!fastCheckOf(schema)) continue;
        compare(schema, fields + 7, 150);
        fields += 1;
      }
    }
    expect(fields).toBeGreaterThan(30);
  });

  it('counts a length bound in code points as zod does, by leaving strings with surrogates to zod', () => {
    const fast = fastCheckOf({ type: 'string', minLength: 2 })!;
    expect(fast('ab')).toBe(true);
    expect(fast('😀')).toBe(false);
    expect(z.fromJSONSchema({ type: 'string', minLength: 2 }).safeParse('😀').success).toBe(false);
    expect(fastCheckOf({ type: 'string' })!('😀')).toBe(true);
  });

  it.each([
    { type: 'string', format: 'date-time' },
    { type: 'string', pattern: '^a' },
    { type: 'number', default: 1 },
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'number', multipleOf: 2 },
    { type: 'array', items: [{ type: 'number' }] },
    { type: 'array' },
    { type: 'array', uniqueItems: true, items: { type: 'number' } },
    { type: 'object', minProperties: 1 },
    { type: 'object', patternProperties: { '^a': { type: 'number' } } },
    { type: 'object', readOnly: true },
    { type: 'object', properties: { inner: { type: 'string', format: 'email' } } },
    { anyOf: [{ type: 'string' }] },
    { $ref: '#/$defs/bar' },
    { description: 'no type: zod takes anything, undefined too' },
    { type: 'tuple' },
    { enum: [1, 2] },
    { const: 'a' },
    true,
  ])('leaves %j to zod', (schema) => {
    expect(fastCheckOf(schema)).toBeNull();
  });
});
