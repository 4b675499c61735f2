/**
 * The shared walk of the provider transforms: a skill's full output schema in, the subset one
 * provider accepts out. A keyword the provider cannot take is not dropped silently: it moves into
 * the node's `description` (as the Anthropic SDK's `transform-json-schema.ts` does), so the model
 * still reads the constraint, and the router still enforces the full schema after the answer.
 */
export type JsonSchema = Record<string, unknown>;

export interface SchemaSubset {
  /** Whether `keyword` (with this value, on this node) is sent as it is. */
  keeps(keyword: string, value: unknown, node: JsonSchema): boolean;
  /** Strict mode: every object closed and every property required (an optional one becomes nullable). */
  strict: boolean;
  /** Force `additionalProperties: false` on every object (Anthropic: "must be explicitly set to false"). */
  closeObjects: boolean;
  /** `oneOf` is sent as `anyOf` (no provider constrains on exclusive unions). */
  oneOfAsAnyOf: boolean;
  /** Extra fields a provider wants on an object node (e.g. Gemini's propertyOrdering). */
  decorateObject?: (node: JsonSchema) => void;
}

/** Keywords whose value is one schema, a list of schemas, or a map of schemas. */
const nestedOne = ['items', 'not', 'contains', 'propertyNames', 'additionalItems'];
const nestedList = ['anyOf', 'allOf', 'prefixItems'];
const nestedMap = ['properties', '$defs', 'definitions', 'patternProperties'];

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A node that may also be null: `type` gains "null", an enum gains null. */
export function allowNull(node: JsonSchema): JsonSchema {
  const out = { ...node };
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') out.type = out.type === 'null' ? 'null' : [out.type, 'null'];
  else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
  else if (out.type === undefined && out.enum === undefined) return { anyOf: [out, { type: 'null' }] };
  return out;
}

function describeMoved(description: unknown, moved: Array<[string, unknown]>): string | undefined {
  if (moved.length === 0) return typeof description === 'string' ? description : undefined;
  const text = `{${moved.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ')}}`;
  return typeof description === 'string' && description ? `${description}\n\n${text}` : text;
}

export function transformSchema(schema: JsonSchema, subset: SchemaSubset): JsonSchema {
  return walk(structuredClone(schema), subset);
}

function walk(node: JsonSchema, subset: SchemaSubset): JsonSchema {
  const out: JsonSchema = {};
  const moved: Array<[string, unknown]> = [];
  for (const [key, raw] of Object.entries(node)) {
    if (key === 'description' || key === '$schema') continue;
    const keyword = key === 'oneOf' && subset.oneOfAsAnyOf ? 'anyOf' : key;
    let value: unknown = raw;
    if (nestedOne.includes(key) && isSchema(raw)) value = walk(raw, subset);
    else if ((nestedList.includes(key) || key === 'oneOf') && Array.isArray(raw))
      value = raw.map((item) => (isSchema(item) ? walk(item, subset) : item));
    else if (nestedMap.includes(key) && isSchema(raw))
      value = Object.fromEntries(
        Object.entries(raw).map(([name, item]) => [name, isSchema(item) ? walk(item, subset) : item]),
      );
    else if (key === 'additionalProperties' && isSchema(raw)) value = walk(raw, subset);
    if (subset.keeps(keyword, value, node)) out[keyword] = value;
    else if (!(key === 'additionalProperties' && raw === false)) moved.push([key, raw]);
  }
  const isObject = node.type === 'object' || isSchema(node.properties);
  if (isObject) {
    const properties = isSchema(out.properties) ? out.properties : {};
    if (subset.strict) {
      const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
      for (const [name, property] of Object.entries(properties))
        if (!required.has(name) && isSchema(property)) properties[name] = allowNull(property);
      out.properties = properties;
      out.required = Object.keys(properties);
    }
    if (subset.strict || subset.closeObjects) out.additionalProperties = false;
    subset.decorateObject?.(out);
  }
  const description = describeMoved(node.description, moved);
  if (description !== undefined) out.description = description;
  return out;
}
