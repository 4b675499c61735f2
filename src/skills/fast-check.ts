import type { JsonSchemaObject } from './json-schema.ts';

/**
 * True only for a value the field's zod schema (converted by `z.fromJSONSchema`) accepts and gives
 * back unchanged; false means "not proven": zod decides, and its issues are the error.
 */
export type FastCheck = (value: unknown) => boolean;

/**
 * A check that allocates nothing, for the part of JSON Schema a skill's inputs use for data
 * (types, properties, required, additionalProperties, items, sizes and bounds), or null when
 * the schema uses anything else: then zod alone checks it. Zod's check of a candidate's window of
 * 60 bars built an object per bar and a list of keys per object, 100 kB a candidate; this walks
 * the bars and builds nothing.
 *
 * Sound by construction, not complete: each rule below accepts a subset of what the converted zod
 * schema accepts, and only values zod would return equal (nothing converted, defaulted or
 * stripped). Where zod's rule is subtle it answers false and lets zod decide: a string with
 * surrogates under a length bound (zod counts code points), a property holding undefined, an
 * object that is not a plain one, a `__proto__` key. fast-check.test.ts compares both on
 * generated and mutated values of every shipped skill's fields.
 */
export function fastCheckOf(schema: unknown): FastCheck | null {
  if (!isSchemaObject(schema)) return null;
  for (const key of Object.keys(schema)) if (!supportedKeys.has(key)) return null;
  if (schema.enum !== undefined) return enumCheck(schema.enum);
  const { type } = schema;
  const types = typeof type === 'string' ? [type] : type;
  if (!Array.isArray(types) || types.length === 0) return null;
  const checks: FastCheck[] = [];
  for (const each of types) {
    const check = typeof each === 'string' ? checkOfType(each, schema) : null;
    if (!check) return null;
    checks.push(check);
  }
  if (checks.length === 1) return checks[0]!;
  return (value) => {
    for (const check of checks) if (check(value)) return true;
    return false;
  };
}

/** Keywords the fast check understands; annotations among them only describe. */
const supportedKeys = new Set([
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'title',
  'description',
  'examples',
  '$comment',
  'deprecated',
]);

function isSchemaObject(value: unknown): value is JsonSchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * zod converts an enum alone, whatever else sits beside it (type, bounds): a member, by strict
 * equality. Only lists of strings and null are taken (numbers would bring -0 and NaN).
 */
function enumCheck(members: unknown): FastCheck | null {
  if (!Array.isArray(members) || !members.every((member) => member === null || typeof member === 'string'))
    return null;
  const allowed: readonly unknown[] = [...members];
  return (value) => (value === null || typeof value === 'string') && allowed.includes(value);
}

function checkOfType(type: string, schema: JsonSchemaObject): FastCheck | null {
  switch (type) {
    case 'null':
      return (value) => value === null;
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'number':
    case 'integer':
      return numberCheck(type === 'integer', schema);
    case 'string':
      return stringCheck(schema);
    case 'array':
      return arrayCheck(schema);
    case 'object':
      return objectCheck(schema);
    default:
      return null;
  }
}

function numberCheck(integer: boolean, schema: JsonSchemaObject): FastCheck | null {
  const minimum = optionalNumber(schema.minimum);
  const maximum = optionalNumber(schema.maximum);
  if (minimum === null || maximum === null) return null;
  const low = minimum ?? Number.NEGATIVE_INFINITY;
  const high = maximum ?? Number.POSITIVE_INFINITY;
  // zod's number refuses NaN and ±Infinity; its int, anything beyond a safe integer.
  return integer
    ? (value) => Number.isSafeInteger(value) && (value as number) >= low && (value as number) <= high
    : (value) => typeof value === 'number' && Number.isFinite(value) && value >= low && value <= high;
}

function stringCheck(schema: JsonSchemaObject): FastCheck | null {
  const minimum = optionalNumber(schema.minLength);
  const maximum = optionalNumber(schema.maxLength);
  if (minimum === null || maximum === null) return null;
  if (minimum === undefined && maximum === undefined) return (value) => typeof value === 'string';
  const low = minimum ?? 0;
  const high = maximum ?? Number.POSITIVE_INFINITY;
  return (value) =>
    typeof value === 'string' && value.length >= low && value.length <= high && !hasSurrogate(value);
}

/** zod counts a length in code points; without surrogates that is the count of UTF-16 units. */
function hasSurrogate(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdfff) return true;
  }
  return false;
}

function arrayCheck(schema: JsonSchemaObject): FastCheck | null {
  const minimum = optionalNumber(schema.minItems);
  const maximum = optionalNumber(schema.maxItems);
  if (minimum === null || maximum === null) return null;
  // Without items zod takes any element, undefined included: not proven here.
  const item = fastCheckOf(schema.items);
  if (!item) return null;
  const low = minimum ?? 0;
  const high = maximum ?? Number.POSITIVE_INFINITY;
  return (value) => {
    if (!Array.isArray(value) || value.length < low || value.length > high) return false;
    // A hole reads as undefined, which no item check takes.
    for (let index = 0; index < value.length; index += 1) if (!item(value[index])) return false;
    return true;
  };
}

/** What an object's keys beyond its properties may be: refused, checked, or kept as they are. */
type Extra = 'refused' | 'kept' | FastCheck;

function objectCheck(schema: JsonSchemaObject): FastCheck | null {
  const properties = schema.properties ?? {};
  if (!isSchemaObject(properties)) return null;
  const declared = new Map<string, FastCheck>();
  for (const [key, child] of Object.entries(properties)) {
    const check = fastCheckOf(child);
    if (!check) return null;
    declared.set(key, check);
  }
  const required = schema.required ?? [];
  if (!Array.isArray(required) || !required.every((key) => typeof key === 'string' && declared.has(key)))
    return null;
  const requiredKeys = new Set(required as string[]);
  let extra: Extra;
  if (schema.additionalProperties === false) extra = 'refused';
  else if (schema.additionalProperties === undefined || schema.additionalProperties === true) extra = 'kept';
  else {
    const check = fastCheckOf(schema.additionalProperties);
    if (!check) return null;
    extra = check;
  }
  return (value) => {
    // zod takes plain objects only; a null prototype it takes but copies: not proven here.
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype)
      return false;
    const record = value as Record<string, unknown>;
    let declaredSeen = 0;
    let requiredSeen = 0;
    for (const key in record) {
      if (!Object.hasOwn(record, key) || key === '__proto__') return false;
      const field = record[key];
      // zod keeps a property holding undefined in ways that differ by schema: not proven here.
      if (field === undefined) return false;
      const check = declared.get(key);
      if (check) {
        if (!check(field)) return false;
        declaredSeen += 1;
        if (requiredKeys.has(key)) requiredSeen += 1;
      } else if (extra === 'refused') return false;
      else if (extra !== 'kept' && !extra(field)) return false;
    }
    if (requiredSeen !== requiredKeys.size) return false;
    // zod reads every declared property, own or not, enumerable or not: one it would find where
    // the walk above did not (a hidden or inherited value) is not proven here.
    if (declaredSeen < declared.size)
      for (const key of declared.keys())
        if (!Object.prototype.propertyIsEnumerable.call(record, key) && record[key] !== undefined)
          return false;
    return true;
  };
}
