/**
 * `{ ...base, ...fields }`: the same own properties in the same order, made so that every object
 * a call site makes shares one hidden class.
 *
 * Node 20's V8 (11.3) gives an object literal that starts with a spread and then has a property
 * of its own (`{ ...base, key: value }`, or a property added to `{ ...base }` later) a hidden
 * class (map) of its own nearly every time, once the code is optimized: measured with
 * `%HaveSameMap`, 19,963 maps for 20,000 objects, where this form and a literal that starts with
 * a plain property make one. Each such map and its descriptors are allocated in the old
 * generation, and every object made on a hot path (a ledger row, a journal entry, a cycle's deps)
 * costs ≈ 7 µs and a major collection's share, and makes each property read of it megamorphic
 * (docs/benchmarks.md, twenty-sixth pass). `Object.assign` onto a fresh literal keeps one map.
 *
 * An own `__proto__` key (JSON.parse makes one) would be assigned as the prototype by
 * `Object.assign` where a spread defines it as a property: such an object takes the spread.
 */
export function withFields<Base extends object, Fields extends object>(
  base: Base,
  fields: Fields,
): Omit<Base, keyof Fields> & Fields {
  if (Object.hasOwn(base, '__proto__') || Object.hasOwn(fields, '__proto__')) return { ...base, ...fields };
  return Object.assign({}, base, fields);
}
