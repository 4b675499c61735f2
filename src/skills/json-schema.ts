import { z } from 'zod';

export type JsonSchemaObject = Record<string, unknown>;

/**
 * Keywords a skill's JSON Schema may use. An unknown keyword is almost always a typo
 * ("requried", "maximun") that would silently loosen the schema, so it is refused.
 */
const knownKeywords = new Set([
  '$schema',
  '$id',
  '$ref',
  '$defs',
  '$comment',
  'definitions',
  'title',
  'description',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  'type',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'nullable',
  // Unsupported by zod: listed so the converter reports them by name rather than as typos.
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'dependentSchemas',
  'dependentRequired',
]);

/** Keywords whose value is a schema, a list of schemas, a map of names to schemas (walked by lint and by validate-inputs). */
export const schemaValuedKeys: readonly string[] = [
  'items',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'additionalItems',
];
export const schemaListKeys: readonly string[] = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
export const schemaMapKeys: readonly string[] = ['properties', 'patternProperties', '$defs', 'definitions'];

function isObject(value: unknown): value is JsonSchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds typos and inconsistencies the converter would accept silently; returns the first problem. */
function lint(schema: unknown, at: string): string | undefined {
  if (typeof schema === 'boolean') return undefined;
  if (!isObject(schema)) return `${at} must be a JSON Schema object`;
  for (const key of Object.keys(schema)) {
    if (!knownKeywords.has(key)) return `${at} uses unknown JSON Schema keyword "${key}"`;
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || !schema.required.every((each) => typeof each === 'string'))
      return `${at}.required must be a list of property names`;
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const name of schema.required) {
      if (!(name in properties)) return `${at}.required names "${name}", which is not under properties`;
    }
  }
  for (const key of schemaValuedKeys) {
    if (schema[key] === undefined) continue;
    const problem = lint(schema[key], `${at}.${key}`);
    if (problem) return problem;
  }
  for (const key of schemaListKeys) {
    const list = schema[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `${at}.${key} must be a list of schemas`;
    for (const [index, item] of list.entries()) {
      const problem = lint(item, `${at}.${key}[${index}]`);
      if (problem) return problem;
    }
  }
  for (const key of schemaMapKeys) {
    const map = schema[key];
    if (map === undefined) continue;
    if (!isObject(map)) return `${at}.${key} must map names to schemas`;
    for (const [name, item] of Object.entries(map)) {
      const problem = lint(item, `${at}.${key}.${name}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

export interface ConvertedSchema {
  schema: z.ZodType<unknown>;
  jsonSchema: JsonSchemaObject;
}

export type ConvertResult = { ok: true; value: ConvertedSchema } | { ok: false; reason: string };

/**
 * Converts a skill's JSON Schema (an object at the root, closed with `additionalProperties: false`)
 * to zod with `z.fromJSONSchema`. Anything zod cannot convert, or a likely typo, is a reason to
 * reject the skill; `label` names the front matter key in the reason.
 */
export function convertJsonSchema(value: unknown, label: string): ConvertResult {
  if (!isObject(value)) return { ok: false, reason: `${label} must be a JSON Schema object` };
  if (value.type !== 'object') return { ok: false, reason: `${label} must have type: object at its root` };
  if (!isObject(value.properties) || Object.keys(value.properties).length === 0)
    return { ok: false, reason: `${label} must declare at least one property under properties` };
  if (value.additionalProperties !== false)
    return {
      ok: false,
      reason: `${label} must set additionalProperties: false (extra fields are an error, never ignored)`,
    };
  const problem = lint(value, label);
  if (problem) return { ok: false, reason: problem };
  let jsonSchema: JsonSchemaObject;
  try {
    jsonSchema = JSON.parse(JSON.stringify(value)) as JsonSchemaObject;
  } catch (error) {
    return { ok: false, reason: `${label} is not plain JSON: ${(error as Error).message}` };
  }
  try {
    // A registry of our own: unknown-keyword metadata must not pile up in zod's global one on each reload.
    const schema = z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0], {
      registry: z.registry<Record<string, unknown>>(),
    }) as z.ZodType<unknown>;
    return { ok: true, value: { schema, jsonSchema } };
  } catch (error) {
    return { ok: false, reason: `${label} cannot be converted to zod: ${(error as Error).message}` };
  }
}
