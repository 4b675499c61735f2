import { describe, expect, it } from 'vitest';
import { hiddenClassProbe } from '../../bench/hidden-classes.ts';
import { withFields } from './objects.ts';

describe('withFields', () => {
  it('gives the same own properties, in the same order, as a spread', () => {
    const symbol = Symbol('tag');
    const base = { b: 1, a: 'x', nested: { deep: true }, gone: undefined, [symbol]: 7 };
    const made = withFields(base, { a: 'y', c: null });
    const spread = { ...base, a: 'y', c: null };
    expect(made).toEqual(spread);
    expect(Reflect.ownKeys(made)).toEqual(Reflect.ownKeys(spread));
    // A field given again keeps its place and takes the new value; nested objects are shared.
    expect(Object.keys(made)).toEqual(['b', 'a', 'nested', 'gone', 'c']);
    expect(made.nested).toBe(base.nested);
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect(base.a).toBe('x');
  });

  it('reads getters once, as a spread does, and copies their values', () => {
    let reads = 0;
    const base = {
      get counted() {
        reads += 1;
        return reads;
      },
    };
    const made = withFields(base, { extra: true });
    expect(reads).toBe(1);
    expect(Object.getOwnPropertyDescriptor(made, 'counted')).toMatchObject({ value: 1, writable: true });
  });

  it('keeps an own __proto__ key a property, never the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const made = withFields(parsed, { b: 2 }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect(Object.hasOwn(made, '__proto__')).toBe(true);
    expect(made.polluted).toBeUndefined();
    const fromFields = withFields({ a: 1 }, parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(fromFields)).toBe(Object.prototype);
    expect(fromFields.polluted).toBeUndefined();
  });

  it('makes every object of a call site share one hidden class, once optimized', () => {
    // The benchmarks' probe counts them with V8's own check, in a child run with its flag.
    const [, made] = hiddenClassProbe();
    expect(made?.name).toMatch(/withFields/);
    expect(made?.value).toBe(1);
  });
});
