import type { z } from 'zod';
import type { LlmRequest } from '../llm/index.ts';
import { SkillInputError } from './errors.ts';
import type { JsonSchemaObject } from './json-schema.ts';
import { placeholderPattern, type Skill } from './parse.ts';
import { renderedOnce } from './render-cache.ts';
import { validateInputs } from './validate-inputs.ts';

/** The router's request contract: what the skills side produces for the router. */
export type { LlmRequest } from '../llm/index.ts';

/**
 * Numbers always print the same way: integers as they are, fractions with at most 12
 * significant digits (so 0.1 + 0.2 prints 0.3), never "-0".
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot render the non-finite number ${value}`);
  if (Object.is(value, -0)) return '0';
  if (Number.isInteger(value)) return String(value);
  const known = fractionTexts.get(value);
  if (known !== undefined) return known;
  const text = fractionText(value);
  if (fractionTexts.size >= maxFractionTexts) fractionTexts.clear();
  fractionTexts.set(value, text);
  return text;
}

/**
 * The text of each fraction rendered lately: a window moves one bar a cycle, so the next cycle
 * shows 59 of its 60 bars' prices again, and its four agents' prompts show them once between
 * them (render-cache.ts). Converting a fraction to text (≈ 135 ns) was the most of rendering a
 * window; finding it again ≈ 14 ns. Bounded: emptied when full, never grown past it.
 */
const fractionTexts = new Map<number, string>();
const maxFractionTexts = 50_000;

function fractionText(value: number): string {
  const shortest = String(value);
  // The shortest text of a double with at most 12 significant digits is what rounding to 12
  // digits gives back (prices, most ratios): skip the slower toPrecision round trip. Plain text
  // of at most 12 characters holds at most 12 digits (no count needed); exponent notation is
  // never taken as short.
  if (shortest.length <= 12 && !shortest.includes('e')) return shortest;
  if (significantDigits(shortest) <= 12) return shortest;
  return String(Number(value.toPrecision(12)));
}

/** Significant digits of a number's plain decimal text; 99 for exponent notation (not counted). */
function significantDigits(text: string): number {
  let digits = 0;
  let leading = true;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 101 /* e */) return 99;
    if (code < 48 || code > 57) continue; // sign, point
    if (leading && code === 48) continue;
    leading = false;
    digits += 1;
  }
  return digits;
}

function isScalar(value: unknown): boolean {
  if (value === null) return true;
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

function scalarJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  return JSON.stringify(value);
}

function asSchema(value: unknown): JsonSchemaObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonSchemaObject)
    : undefined;
}

/**
 * The keys whose values are defined, in the order the schema declares them (t, o, h, l, c reads
 * better than sorted), then any other keys sorted: stable either way.
 */
function orderedKeys(record: Record<string, unknown>, schema: JsonSchemaObject | undefined): string[] {
  const ranks = declaredRanks(schema);
  const keys: string[] = [];
  for (const key of Object.keys(record)) if (record[key] !== undefined) keys.push(key);
  // Values built in the schema's order (bars, quotes) need no sort.
  let ordered = true;
  for (let index = 1; index < keys.length && ordered; index += 1)
    ordered = compareKeys(keys[index - 1]!, keys[index]!, ranks) < 0;
  return ordered ? keys : keys.sort((a, b) => compareKeys(a, b, ranks));
}

function compareKeys(a: string, b: string, ranks: Map<string, number>): number {
  return (ranks.get(a) ?? ranks.size) - (ranks.get(b) ?? ranks.size) || (a < b ? -1 : a > b ? 1 : 0);
}

const noProperties = new Map<string, number>();
const ranksBySchema = new WeakMap<JsonSchemaObject, Map<string, number>>();

/** Each declared property's position, once per schema object. */
function declaredRanks(schema: JsonSchemaObject | undefined): Map<string, number> {
  if (!schema) return noProperties;
  let ranks = ranksBySchema.get(schema);
  if (!ranks) {
    ranks = new Map(Object.keys(asSchema(schema.properties) ?? {}).map((key, index) => [key, index]));
    ranksBySchema.set(schema, ranks);
  }
  return ranks;
}

function childSchema(schema: JsonSchemaObject | undefined, key: string): JsonSchemaObject | undefined {
  return asSchema(asSchema(schema?.properties)?.[key]) ?? asSchema(schema?.additionalProperties);
}

/** Keys as JSON strings: the same few (t, o, h, l, c, v, …) on every row of every window. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let text = quotedKeys.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (quotedKeys.size >= 10_000) quotedKeys.clear(); // bounded: keys come from data
    quotedKeys.set(key, text);
  }
  return text;
}

/**
 * JSON whose key order is fixed (the schema's declaration order when a schema is given, then
 * sorted) and whose numbers go through formatNumber: same data, same text. Items of a list that
 * hold only scalars (bars, quotes) take one line each. The pieces go into one list joined once
 * (no list of lines or entries per object, no text copied at every level of nesting): rendering
 * values was half of filling a candidate's four prompts. Joined rather than appended to one
 * string, the text the render cache keeps is one flat string, not a tree of small pieces.
 */
export function stableJson(value: unknown, schema?: JsonSchemaObject, indent = 0): string {
  const parts: string[] = [];
  writeJson(value, schema, indent, parts, false);
  return parts.join('');
}

/**
 * Appends the text of `value` to `parts`. An item of a list (`item`) that holds only scalars
 * takes one line. A hole in a sparse list prints as nothing, as Array#join prints it.
 */
function writeJson(
  value: unknown,
  schema: JsonSchemaObject | undefined,
  indent: number,
  parts: string[],
  item: boolean,
): void {
  if (isScalar(value)) {
    parts.push(scalarJson(value));
    return;
  }
  if (typeof value !== 'object') throw new TypeError(`cannot render a value of type ${typeof value}`);
  if (Array.isArray(value)) {
    if (item && value.every(isScalar)) {
      parts.push('[');
      for (let index = 0; index < value.length; index += 1) {
        if (index > 0) parts.push(', ');
        if (index in value) parts.push(scalarJson(value[index]));
      }
      parts.push(']');
      return;
    }
    if (value.length === 0) {
      parts.push('[]');
      return;
    }
    const itemSchema = asSchema(schema?.items);
    const pad = '  '.repeat(indent + 1);
    parts.push('[\n');
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) parts.push(',\n');
      if (!(index in value)) continue;
      parts.push(pad);
      writeJson(value[index], itemSchema, indent + 1, parts, true);
    }
    parts.push('\n', '  '.repeat(indent), ']');
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = orderedKeys(record, schema);
  if (item && keys.every((key) => isScalar(record[key]))) {
    parts.push('{');
    for (let index = 0; index < keys.length; index += 1) {
      if (index > 0) parts.push(', ');
      const key = keys[index]!;
      parts.push(quotedKey(key), ': ', scalarJson(record[key]));
    }
    parts.push('}');
    return;
  }
  if (keys.length === 0) {
    parts.push('{}');
    return;
  }
  const pad = '  '.repeat(indent + 1);
  parts.push('{\n');
  for (let index = 0; index < keys.length; index += 1) {
    if (index > 0) parts.push(',\n');
    const key = keys[index]!;
    parts.push(pad, quotedKey(key), ': ');
    writeJson(record[key], childSchema(schema, key), indent + 1, parts, false);
  }
  parts.push('\n', '  '.repeat(indent), '}');
}

function renderValue(value: unknown, schema: JsonSchemaObject | undefined): string {
  if (value === null) return 'none';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return stableJson(value, schema);
}

/** Fills the Inputs template from validated data; the same data always gives the same text. */
export function renderInputs(skill: Skill, data: Record<string, unknown>): string {
  const valid = validateInputs(skill, data);
  return skill.inputsTemplate.replace(placeholderPattern, (_match, field: string) => {
    const schema = childSchema(skill.inputs.jsonSchema, field);
    try {
      return renderedOnce(data[field], valid[field], schema, () => renderValue(valid[field], schema));
    } catch (error) {
      throw new SkillInputError(skill.name, [{ path: field, message: (error as Error).message }]);
    }
  });
}

const systems = new WeakMap<Skill, { philosophy: string; text: string }>();

/**
 * The stable prefix every call of a skill shares: philosophy, persona, output guidance. Made
 * once per skill and philosophy: the same string each call, so what the router derives from it
 * (the request hash's quoted copy) is found again by identity instead of rebuilt.
 */
export function composeSystem(philosophy: string, skill: Skill): string {
  const known = systems.get(skill);
  if (known?.philosophy === philosophy) return known.text;
  const text = composedSystem(philosophy, skill);
  systems.set(skill, { philosophy, text });
  return text;
}

function composedSystem(philosophy: string, skill: Skill): string {
  return [
    philosophy.trim(),
    '---',
    `## Persona (${skill.name} ${skill.version})`,
    skill.persona,
    '## Output',
    skill.outputGuidance,
  ].join('\n\n');
}

export interface BuildRequestOptions<T> {
  agent: string;
  cycleId?: string;
  /** Text of context/philosophy.md (see loadPhilosophy). */
  philosophy: string;
  inputs: Record<string, unknown>;
  /**
   * A typed zod schema the agent reads the answer with; it runs after the skill's own schema,
   * so the router validates against both.
   */
  narrow?: z.ZodType<T>;
  timeoutMs?: number;
}

/**
 * Each skill's output schema piped into each agent's narrowing schema once (zod schemas never
 * change once made; a hot-reloaded skill is a new schema, so a new entry): making a new pipe on
 * every call was a twentieth of building a request.
 */
const pipedSchemas = new WeakMap<z.ZodType, WeakMap<z.ZodType, z.ZodType>>();

function piped(schema: z.ZodType, narrow: z.ZodType): z.ZodType {
  let byNarrow = pipedSchemas.get(schema);
  if (!byNarrow) {
    byNarrow = new WeakMap();
    pipedSchemas.set(schema, byNarrow);
  }
  let known = byNarrow.get(narrow);
  if (!known) {
    known = schema.pipe(narrow);
    byNarrow.set(narrow, known);
  }
  return known;
}

const outputJsonSchemas = new WeakMap<Skill, JsonSchemaObject>();

/**
 * The skill's output JSON Schema as requests carry it: a copy frozen all the way down, made once
 * per skill. A caller cannot change the skill's schema through a request (a write throws), and
 * the router finds the same object on every call (the request hash keeps its canonical text by
 * identity) instead of a fresh clone to copy and sort again.
 */
function outputJsonSchema(skill: Skill): JsonSchemaObject {
  let known = outputJsonSchemas.get(skill);
  if (!known) {
    known = frozenCopy(skill.output.jsonSchema) as JsonSchemaObject;
    outputJsonSchemas.set(skill, known);
  }
  return known;
}

function frozenCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  return Object.freeze(
    Object.fromEntries(Object.entries(value).map(([key, child]) => [key, frozenCopy(child)])),
  );
}

/** Builds the router request for one call of a skill. Throws SkillInputError on bad inputs. */
export function buildLlmRequest<T = unknown>(skill: Skill, options: BuildRequestOptions<T>): LlmRequest<T> {
  const schema = (
    options.narrow ? piped(skill.output.schema, options.narrow) : skill.output.schema
  ) as z.ZodType<T>;
  const request: LlmRequest<T> = {
    agent: options.agent,
    skill: { name: skill.name, version: skill.version },
    system: composeSystem(options.philosophy, skill),
    prompt: renderInputs(skill, options.inputs),
    output: { schema, jsonSchema: outputJsonSchema(skill) },
  };
  if (options.cycleId !== undefined) request.cycleId = options.cycleId;
  if (skill.temperature !== undefined) request.temperature = skill.temperature;
  if (skill.routes !== undefined) request.routes = [...skill.routes];
  const timeoutMs = options.timeoutMs ?? skill.timeoutMs;
  if (timeoutMs !== undefined) request.timeoutMs = timeoutMs;
  return request;
}
