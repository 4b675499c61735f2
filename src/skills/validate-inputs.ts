import type { z } from 'zod';
import { SkillInputError } from './errors.ts';
import { type FastCheck, fastCheckOf } from './fast-check.ts';
import { type JsonSchemaObject, schemaListKeys, schemaMapKeys, schemaValuedKeys } from './json-schema.ts';
import type { Skill } from './parse.ts';
import { deeplyFrozen, sameValue } from './render-cache.ts';

/**
 * Checks inputs against the skill's declared fields (a missing or an extra field is an error,
 * never an empty string) and its JSON Schema, and returns the validated data.
 *
 * A skill's inputs schema is a closed object (skills/json-schema.ts), so checking it is checking
 * the declared fields (above) and then each field against its own part of the converted schema:
 * the same check, field by field. That lets a value that cannot change (a candidate's frozen
 * window of 60 bars, shown to the Regime, the Strategist and both signers) be checked once per
 * field schema instead of once per agent: checking the window was a quarter of filling a
 * candidate's four prompts. Every call still checks every field it was given.
 *
 * A field's check is first the allocation-free fast check (fast-check.ts), which only proves a
 * valid value valid; anything it cannot prove goes to zod, which decides and names the fault.
 * zod's copy of a window (an object per bar) was a sixth of a candidate's garbage.
 */
export function validateInputs(skill: Skill, data: Record<string, unknown>): Record<string, unknown> {
  const issues: Array<{ path: string; message: string }> = [];
  for (const field of skill.inputFields) {
    if (!Object.hasOwn(data, field) || data[field] === undefined)
      issues.push({ path: field, message: 'missing (declared under inputs)' });
  }
  for (const key of Object.keys(data)) {
    if (!skill.inputFields.includes(key)) issues.push({ path: key, message: 'not declared under inputs' });
  }
  if (issues.length > 0) throw new SkillInputError(skill.name, issues);
  const fields = fieldChecks(skill);
  if (!fields) return wholeObject(skill, data);
  const valid: Record<string, unknown> = {};
  for (const check of fields) {
    const given = data[check.field];
    const result = check.key !== undefined ? checkedOnce(given, check, check.key) : checked(given, check);
    if (result.success) valid[check.field] = result.data;
    else
      for (const issue of result.error.issues)
        issues.push({ path: [check.field, ...issue.path.map(String)].join('.'), message: issue.message });
  }
  if (issues.length > 0) throw new SkillInputError(skill.name, issues);
  return valid;
}

function wholeObject(skill: Skill, data: Record<string, unknown>): Record<string, unknown> {
  const parsed = skill.inputs.schema.safeParse(data);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  throw new SkillInputError(
    skill.name,
    parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(inputs)',
      message: issue.message,
    })),
  );
}

type Checked = { success: true; data: unknown } | { success: false; error: z.ZodError };

export interface FieldCheck {
  field: string;
  /** The field's part of the converted inputs schema. */
  schema: z.ZodType;
  /** What the check depends on, as text (annotations left out); absent: never shared. */
  key?: string;
  /** Proves a valid value valid without zod (null: the schema is beyond it); zod names what is wrong. */
  fast: FastCheck | null;
}

const checksBySkill = new WeakMap<Skill, FieldCheck[] | null>();

/**
 * The skill's fields with their schemas, or null when the root schema is not a plain closed
 * object (keywords at the root other than these, or a converted schema without a shape): then
 * the whole object is checked as before.
 */
export function fieldChecks(skill: Skill): FieldCheck[] | null {
  const known = checksBySkill.get(skill);
  if (known !== undefined) return known;
  const made = madeFieldChecks(skill);
  checksBySkill.set(skill, made);
  return made;
}

const plainRootKeys = new Set([
  '$schema',
  'title',
  'description',
  '$comment',
  'examples',
  'type',
  'properties',
  'required',
  'additionalProperties',
]);

function madeFieldChecks(skill: Skill): FieldCheck[] | null {
  const root = skill.inputs.jsonSchema;
  if (Object.keys(root).some((key) => !plainRootKeys.has(key))) return null;
  const shape = (skill.inputs.schema as { shape?: Record<string, z.ZodType> }).shape;
  const properties = root.properties as Record<string, unknown>;
  if (!shape || Object.keys(shape).length !== skill.inputFields.length) return null;
  const checks: FieldCheck[] = [];
  for (const field of skill.inputFields) {
    const schema = shape[field];
    if (!schema) return null;
    const text = JSON.stringify(validationShape(properties[field]));
    const fast = fastCheckOf(properties[field]);
    // A reference resolves against the root of the schema it sits in: never shared between skills.
    checks.push(text.includes('"$ref"') ? { field, schema, fast } : { field, schema, key: text, fast });
  }
  return checks;
}

/** Keywords that describe and never check (JSON Schema 2020-12, meta-data vocabulary, less default). */
const annotations = new Set([
  'title',
  'description',
  'examples',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
const schemaValued = new Set(schemaValuedKeys);
const schemaLists = new Set(schemaListKeys);
const schemaMaps = new Set(schemaMapKeys);

/** The schema without its annotations: two skills describing a field differently check it alike. */
function validationShape(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const shape: JsonSchemaObject = {};
  for (const [key, value] of Object.entries(schema as JsonSchemaObject)) {
    if (annotations.has(key)) continue;
    if (schemaValued.has(key)) shape[key] = validationShape(value);
    else if (schemaLists.has(key) && Array.isArray(value)) shape[key] = value.map(validationShape);
    else if (schemaMaps.has(key) && typeof value === 'object' && value !== null)
      shape[key] = Object.fromEntries(
        Object.entries(value as JsonSchemaObject).map(([name, child]) => [name, validationShape(child)]),
      );
    else shape[key] = value;
  }
  return shape;
}

/**
 * Results of checking values that cannot change, per field schema text. A value proven valid as
 * it is (the usual case) is stored as `validAsGiven`, never as a result holding the value: on
 * Node 20 a WeakMap entry whose value reaches its own key keeps that key alive through every
 * minor GC, until a full one (2,000 keys of 200 objects each: 13 MB promoted to the old
 * generation, against 0.05 MB when the value does not hold the key).
 */
const validAsGiven = 'valid as given';
const results = new WeakMap<object, Map<string, Checked | typeof validAsGiven>>();

function checkedOnce(given: unknown, check: FieldCheck, key: string): Checked {
  if (typeof given !== 'object' || given === null || !deeplyFrozen(given)) return checked(given, check);
  let byKey = results.get(given);
  const known = byKey?.get(key);
  if (known === validAsGiven) return { success: true, data: given };
  if (known) return known;
  const parsed = checked(given, check);
  // A result equal to the value checked is the value itself, so the render cache finds it by identity.
  const asGiven = parsed.success && (parsed.data === given || sameValue(given, parsed.data));
  if (!byKey) {
    byKey = new Map();
    results.set(given, byKey);
  }
  byKey.set(key, asGiven ? validAsGiven : parsed);
  return asGiven ? { success: true, data: given } : parsed;
}

/**
 * A field checked: by its fast check when that proves the value valid (the value itself is the
 * result: zod would give back an equal one), else by zod, whose issues name what is wrong.
 */
function checked(given: unknown, check: FieldCheck): Checked {
  return check.fast?.(given) ? { success: true, data: given } : check.schema.safeParse(given);
}
