import { memoizedBySchema } from '../schema-memo.ts';
import { type JsonSchema, type SchemaSubset, transformSchema } from './walk.ts';

/**
 * One function per provider: the skill's full output schema in, the subset that provider's
 * structured-output mode accepts out. What a provider cannot take moves into `description`; the
 * router validates every answer against the full schema, so nothing is loosened. The rules each
 * subset follows are checked, provider by provider, by test/fakes/schema-rules.ts.
 */
export type { JsonSchema } from './walk.ts';

const primitive = (value: unknown) => value === null || typeof value !== 'object';

// Anthropic: docs "Structured outputs → JSON Schema limitations" and the official SDK's
// src/lib/transform-json-schema.ts (the subset the SDK itself sends).
const anthropicFormats = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'uri',
  'ipv4',
  'ipv6',
  'uuid',
]);
const anthropicSubset: SchemaSubset = {
  strict: false,
  closeObjects: true,
  oneOfAsAnyOf: true,
  keeps(keyword, value, node) {
    switch (keyword) {
      case 'type':
        // The SDK sends enum/const without a type next to them.
        return node.enum === undefined && node.const === undefined;
      case 'enum':
        return Array.isArray(value) && value.length > 0 && value.every(primitive);
      case 'const':
        return primitive(value);
      case 'anyOf':
      case 'allOf':
      case 'title':
      case 'properties':
      case 'required':
      case 'items':
      case '$ref':
      case '$defs':
        return true;
      case 'additionalProperties':
        return value === false;
      case 'format':
        return node.type === 'string' && typeof value === 'string' && anthropicFormats.has(value);
      case 'minItems':
        return value === 0 || value === 1;
      default:
        return false;
    }
  },
};

// OpenAI: Structured Outputs guide, "Supported schemas" (Chat Completions response_format
// json_schema strict, Responses text.format strict; Codex sends --output-schema the same way).
const openAiFormats = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);
const openAiKept = new Set([
  'type',
  'enum',
  'const',
  'anyOf',
  'title',
  'properties',
  'required',
  'additionalProperties',
  'items',
  '$ref',
  '$defs',
  'pattern',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'minItems',
  'maxItems',
]);
const openAiStrictSubset: SchemaSubset = {
  strict: true,
  closeObjects: true,
  oneOfAsAnyOf: true,
  keeps(keyword, value) {
    if (keyword === 'format') return typeof value === 'string' && openAiFormats.has(value);
    if (keyword === 'additionalProperties') return value === false;
    return openAiKept.has(keyword);
  },
};

// Gemini: "Structured output → JSON Schema support" (generationConfig.responseJsonSchema).
const geminiKept = new Set([
  'type',
  'title',
  'enum',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'items',
  'prefixItems',
  'properties',
  'required',
  'propertyOrdering',
  'additionalProperties',
  'anyOf',
  '$ref',
  '$defs',
]);
const geminiFormats = new Set(['date-time', 'date', 'time', 'float', 'double', 'int32', 'int64']);
const geminiSubset: SchemaSubset = {
  strict: false,
  closeObjects: false,
  oneOfAsAnyOf: true,
  keeps(keyword, value) {
    if (keyword === 'format') return typeof value === 'string' && geminiFormats.has(value);
    if (keyword === 'enum') return Array.isArray(value) && value.every((item) => item !== null);
    return geminiKept.has(keyword);
  },
  decorateObject(node) {
    // Older Gemini models keep keys in this order only when told (docs: propertyOrdering).
    if (node.properties && typeof node.properties === 'object')
      node.propertyOrdering = Object.keys(node.properties as JsonSchema);
  },
};

/** Gemini documents nullability as a type list; an enum listing null becomes enum-or-null. */
function splitNullableEnums(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(splitNullableEnums);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) out[key] = splitNullableEnums(value);
  if (Array.isArray(out.enum) && out.enum.includes(null)) {
    const { description, ...rest } = out;
    const types = Array.isArray(rest.type) ? rest.type.filter((type) => type !== 'null') : rest.type;
    const values = (rest.enum as unknown[]).filter((value) => value !== null);
    const branch: JsonSchema = { ...rest, enum: values };
    if (types !== undefined) branch.type = Array.isArray(types) && types.length === 1 ? types[0] : types;
    return { anyOf: [branch, { type: 'null' }], ...(description === undefined ? {} : { description }) };
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const each of Object.values(value)) deepFreeze(each);
  }
  return value;
}

/**
 * The transforms are pure: one result per provider and schema is kept and reused
 * (memoizedBySchema: by identity for a skill's frozen schema, else by its JSON text), frozen so
 * that no caller can change what later calls send.
 */
function memoized(transform: (schema: JsonSchema) => JsonSchema): (schema: JsonSchema) => JsonSchema {
  return memoizedBySchema((schema) => deepFreeze(transform(schema)));
}

const anthropicMemo = memoized((schema) => transformSchema(schema, anthropicSubset));
const openAiStrictMemo = memoized((schema) => transformSchema(schema, openAiStrictSubset));
const geminiMemo = memoized((schema) =>
  transformSchema(splitNullableEnums(schema) as JsonSchema, geminiSubset),
);

/** The result is shared and frozen: copy it before changing it. */
export function anthropicSchema(schema: JsonSchema): JsonSchema {
  return anthropicMemo(schema);
}

/** Claude Code's `--json-schema` ends at the same Messages API: the same subset. */
export function claudeCliSchema(schema: JsonSchema): JsonSchema {
  return anthropicSchema(schema);
}

export function openAiStrictSchema(schema: JsonSchema): JsonSchema {
  return openAiStrictMemo(schema);
}

/** Codex sends `--output-schema` to the Responses API with strict: true. */
export function codexSchema(schema: JsonSchema): JsonSchema {
  return openAiStrictSchema(schema);
}

/**
 * OpenAI-compatible servers with `json_schema` (Ollama and llama.cpp compile it to a grammar,
 * OpenRouter forwards it, strict, to the model's provider): the strict OpenAI subset is the one
 * every such server takes. With `json_object` no schema is sent in the request at all.
 */
export function openAiCompatibleSchema(schema: JsonSchema): JsonSchema {
  return openAiStrictSchema(schema);
}

export function geminiSchema(schema: JsonSchema): JsonSchema {
  return geminiMemo(schema);
}
