import { z } from 'zod';
import type { RouteSpec } from './validation.ts';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

/** OpenAPI 3.1 from the same zod schemas that validate the requests, so the two cannot drift. */
export function openApiDocument(specs: readonly RouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const url = spec.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const operation: JsonSchema = {
      summary: spec.summary,
      parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
      responses: {
        '200': {
          description: 'OK',
          content: { [spec.produces ?? 'application/json']: {} },
        },
        ...(spec.auth === false ? {} : { '401': { description: 'missing or wrong bearer token' } }),
        '400': { description: 'invalid request: the message names the field' },
        '429': { description: 'too many failed authentications from this address' },
      },
      ...(spec.auth === false ? { security: [] } : {}),
    };
    if (spec.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaOf(spec.body) } },
      };
      (operation.responses as JsonSchema)['413'] = { description: 'body too large' };
    }
    paths[url] = { ...(paths[url] ?? {}), [spec.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Signet operator API',
      version,
      description:
        'Read the state of the brain, its decisions, journal and costs; raise and resume halts. Every /api route needs `Authorization: Bearer <SIGNET_OPERATOR_TOKEN>`.',
    },
    components: { securitySchemes: { operator: { type: 'http', scheme: 'bearer' } } },
    security: [{ operator: [] }],
    paths,
  };
}
