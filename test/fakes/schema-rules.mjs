// The structured-output schema rules of each provider, as the real services enforce them. Shared
// by the HTTP fakes (anthropic-server.ts, openai-server.ts, gemini-server.ts), the CLI fakes
// (fake-claude.mjs, fake-codex.mjs) and the unit test of src/llm/provider-schemas. Each checker
// returns the provider's own error message for the first violation, or undefined.

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const typesOf = (node) => (Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type]);
const mainType = (node) => typesOf(node).find((type) => type !== 'null') ?? 'null';

/** Visits every schema node with its path (a list of keys from the root). */
function* nodes(schema, path = []) {
  if (!isObject(schema)) return;
  yield [schema, path];
  for (const key of ['items', 'additionalProperties', 'not', 'contains']) {
    if (isObject(schema[key])) yield* nodes(schema[key], [...path, key]);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    if (Array.isArray(schema[key]))
      for (const [index, item] of schema[key].entries()) yield* nodes(item, [...path, key, String(index)]);
  }
  for (const key of ['properties', '$defs', 'definitions', 'patternProperties']) {
    if (isObject(schema[key]))
      for (const [name, item] of Object.entries(schema[key])) yield* nodes(item, [...path, key, name]);
  }
}

// Anthropic Messages API, output_config.format: docs "Structured outputs → JSON Schema limitations";
// wording of the refusal from the public report agentjido/req_llm#302 ("output_format.schema: For
// 'integer' type, property 'minimum' is not supported"); the kept subset is the one the official
// SDK's src/lib/transform-json-schema.ts sends.
const anthropicKeywords = new Set([
  'type',
  'enum',
  'const',
  'anyOf',
  'allOf',
  'description',
  'title',
  'properties',
  'required',
  'additionalProperties',
  'items',
  '$ref',
  '$defs',
  'definitions',
  'format',
  'minItems',
  '$schema',
]);
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

/** @returns {string | undefined} the 400 invalid_request_error message */
export function anthropicSchemaProblem(schema, at = 'output_config.format.schema') {
  if (!isObject(schema)) return `${at}: Input should be a valid dictionary`;
  for (const [node] of nodes(schema)) {
    const type = mainType(node);
    for (const key of Object.keys(node)) {
      if (!anthropicKeywords.has(key)) return `${at}: For '${type}' type, property '${key}' is not supported`;
    }
    if (node.oneOf !== undefined) return `${at}: For '${type}' type, property 'oneOf' is not supported`;
    if (type === 'object' && node.additionalProperties !== false)
      return `${at}: For 'object' type, 'additionalProperties' must be explicitly set to false`;
    if (node.minItems !== undefined && node.minItems !== 0 && node.minItems !== 1)
      return `${at}: For 'array' type, 'minItems' values other than 0 or 1 are not supported`;
    if (node.format !== undefined && !anthropicFormats.has(node.format))
      return `${at}: For 'string' type, format '${node.format}' is not supported`;
  }
  return undefined;
}

// OpenAI Structured Outputs, strict mode (Chat Completions response_format.json_schema, Responses
// text.format, Codex --output-schema): guide "Supported schemas" — root is an object and not
// anyOf; every object has additionalProperties: false; every property is in required; only the
// listed keywords (string: pattern, format; number: multipleOf, maximum, exclusiveMaximum,
// minimum, exclusiveMinimum; array: minItems, maxItems). Wording from the API's 400
// "Invalid schema for response_format '<name>': In context=(...), ..." (public reports, e.g.
// openai/openai-node and openai/codex issues).
const openAiKeywords = new Set([
  'type',
  'enum',
  'const',
  'anyOf',
  'description',
  'title',
  'properties',
  'required',
  'additionalProperties',
  'items',
  '$ref',
  '$defs',
  'definitions',
  'pattern',
  'format',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'minItems',
  'maxItems',
  '$schema',
]);
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
const pythonTuple = (path) =>
  path.length === 0
    ? '()'
    : path.length === 1
      ? `('${path[0]}',)`
      : `(${path.map((key) => `'${key}'`).join(', ')})`;

/** @returns {string | undefined} the 400 invalid_request_error message (code invalid_json_schema) */
export function openAiStrictSchemaProblem(schema, name) {
  const head = `Invalid schema for response_format '${name}'`;
  if (!isObject(schema)) return `${head}: schema must be a JSON Schema object.`;
  if (schema.anyOf !== undefined || mainType(schema) !== 'object')
    return `${head}: schema must be a JSON Schema of 'type: "object"', got 'type: "${mainType(schema)}"'.`;
  for (const [node, path] of nodes(schema)) {
    const context = `In context=${pythonTuple(path)}`;
    for (const key of Object.keys(node)) {
      if (!openAiKeywords.has(key)) return `${head}: ${context}, '${key}' is not permitted.`;
    }
    if (node.format !== undefined && !openAiFormats.has(node.format))
      return `${head}: ${context}, '${node.format}' is not a valid format.`;
    if (mainType(node) === 'object' || isObject(node.properties)) {
      if (node.additionalProperties !== false)
        return `${head}: ${context}, 'additionalProperties' is required to be supplied and to be false.`;
      const required = Array.isArray(node.required) ? node.required : [];
      const missing = Object.keys(node.properties ?? {}).find((key) => !required.includes(key));
      if (missing !== undefined || !Array.isArray(node.required))
        return `${head}: ${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing ?? Object.keys(node.properties ?? {})[0]}'.`;
    }
  }
  return undefined;
}

// Gemini generateContent, generationConfig.responseJsonSchema: docs "Structured output → JSON
// Schema support" lists the keywords taken (type incl. null, title, description, enum, format,
// minimum, maximum, items, prefixItems, minItems, maxItems, properties, required,
// propertyOrdering, additionalProperties, anyOf, $ref, $defs). The docs say other keywords may be
// ignored; the fake refuses them (400 INVALID_ARGUMENT) so that a constraint we rely on is never
// silently dropped by the service.
const geminiKeywords = new Set([
  'type',
  'title',
  'description',
  'enum',
  'format',
  'minimum',
  'maximum',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'properties',
  'required',
  'propertyOrdering',
  'additionalProperties',
  'anyOf',
  '$ref',
  '$defs',
  '$schema',
]);

/** @returns {string | undefined} the 400 INVALID_ARGUMENT message */
export function geminiSchemaProblem(schema) {
  const at = 'generation_config.response_json_schema';
  if (!isObject(schema)) return `Invalid value at '${at}': a JSON Schema object is required.`;
  for (const [node, path] of nodes(schema)) {
    const where = path.length ? `${at}.${path.join('.')}` : at;
    for (const key of Object.keys(node)) {
      if (!geminiKeywords.has(key))
        return `Invalid JSON Schema at '${where}': keyword '${key}' is not supported.`;
    }
    if (Array.isArray(node.enum) && node.enum.includes(null))
      return `Invalid JSON Schema at '${where}': enum values must be strings or numbers.`;
  }
  return undefined;
}
