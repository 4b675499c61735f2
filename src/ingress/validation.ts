import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** One operator API route: its zod schemas validate the request and describe it in /openapi.json. */
export interface RouteSpec<
  Query extends z.ZodType = z.ZodType,
  Body extends z.ZodType = z.ZodType,
  Params extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  query?: Query;
  body?: Body;
  params?: Params;
  /** Whether the operator token is required (default true). */
  auth?: boolean;
  /** Not JSON (event stream, files). */
  produces?: string;
}

export interface Parsed<Query extends z.ZodType, Body extends z.ZodType, Params extends z.ZodType> {
  query: z.output<Query>;
  body: z.output<Body>;
  params: z.output<Params>;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface ValidationIssue {
  field: string;
  message: string;
}

export function issuesOf(where: string, error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** A registry of routes: registers each on Fastify with validation, and keeps it for the OpenAPI description. */
export class RouteTable {
  readonly specs: RouteSpec[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly prefix: string,
  ) {}

  add<
    Query extends z.ZodType = z.ZodUnknown,
    Body extends z.ZodType = z.ZodUnknown,
    Params extends z.ZodType = z.ZodUnknown,
  >(
    spec: RouteSpec<Query, Body, Params>,
    handle: (parsed: Parsed<Query, Body, Params>) => Promise<unknown>,
  ): void {
    this.specs.push({ ...spec, url: `${this.prefix}${spec.url}` } as RouteSpec);
    const parts: Array<[string, z.ZodType | undefined, 'query' | 'body' | 'params']> = [
      ['query', spec.query, 'query'],
      ['body', spec.body, 'body'],
      ['params', spec.params, 'params'],
    ];
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const values: Record<string, unknown> = {};
        const issues: ValidationIssue[] = [];
        // A route that takes no query refuses one: an unknown parameter is a client's mistake, not noise.
        if (!spec.query) {
          const unknown = Object.keys((request.query ?? {}) as Record<string, unknown>);
          if (unknown.length > 0)
            issues.push({ field: 'query', message: `unknown parameter(s) ${unknown.join(', ')}` });
        }
        for (const [where, schema, key] of parts) {
          if (!schema) continue;
          const raw =
            key === 'body' ? (request.body ?? {}) : key === 'query' ? request.query : request.params;
          const result = schema.safeParse(raw);
          if (result.success) values[key] = result.data;
          else issues.push(...issuesOf(where, result.error));
        }
        if (issues.length > 0) {
          return reply.code(400).send({
            error: 'invalid_request',
            message: issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '),
            issues,
          });
        }
        const result = await handle({
          query: values.query as z.output<Query>,
          body: values.body as z.output<Body>,
          params: values.params as z.output<Params>,
          request,
          reply,
        });
        if (reply.sent) return reply;
        return reply.send(result);
      },
    });
  }
}

/** Query strings arrive as text: numbers are coerced, empty values count as absent. */
export const queryInt = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day like 2026-11-21');

/** The body of an error answer: a code, what is wrong, and (when known) how to fix it. */
export function problem(code: string, message: string, fix?: string) {
  return { error: code, message, ...(fix ? { fix } : {}) };
}

/** A ticker as a query value. */
export const symbolSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits and . _ / - only');
