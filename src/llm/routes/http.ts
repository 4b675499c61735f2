import { z } from 'zod';
import type { Secret } from '../../config/index.ts';
import {
  LlmAuthError,
  LlmBadRequestError,
  type LlmError,
  LlmRateLimitError,
  LlmServerError,
  LlmTimeoutError,
} from '../errors.ts';

/**
 * Shared HTTP plumbing for the vendor routes: a POST with a deadline, vendor error bodies mapped
 * to typed errors, and scrubbing so a key echoed back by a vendor ("Incorrect API key provided:
 * sk-ab***yz") never reaches a log, the ledger or the bus.
 */
const keyLike = /\b(sk-[A-Za-z0-9_*.-]{4,}|sk-ant-[A-Za-z0-9_*.-]+)/g;

export function scrub(text: string, secret?: Secret): string {
  let out = text;
  const value = secret?.reveal();
  if (value) out = out.split(value).join('[redacted]');
  return out.replace(keyLike, 'sk-[redacted]');
}

const errorBodySchema = z
  .object({
    error: z.union([
      z.object({ type: z.string().optional(), message: z.string().optional(), code: z.unknown().optional() }),
      z.string(),
    ]),
  })
  .or(z.object({ message: z.string(), type: z.string().optional() }));

function describeBody(text: string): { type: string | undefined; message: string; code: string | undefined } {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const data = parsed.data;
      if ('error' in data) {
        if (typeof data.error === 'string') return { type: undefined, message: data.error, code: undefined };
        const code = typeof data.error.code === 'string' ? data.error.code : undefined;
        return { type: data.error.type, message: data.error.message ?? '', code };
      }
      return { type: data.type, message: data.message, code: undefined };
    }
  } catch {
    // not JSON (a proxy's HTML page): fall through to the raw text
  }
  return { type: undefined, message: text.slice(0, 300), code: undefined };
}

/** retry-after-ms wins over retry-after (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function httpError(
  route: string,
  status: number,
  headers: Headers,
  bodyText: string,
  secret?: Secret,
): LlmError {
  const body = describeBody(bodyText);
  const detail = scrub(`${body.type ?? body.code ?? 'error'}: ${body.message}`, secret);
  const message = `${route}: HTTP ${status} ${detail}`;
  const options = { route, status, details: { type: body.type, code: body.code } };
  const quota =
    body.code === 'insufficient_quota' ||
    body.type === 'insufficient_quota' ||
    body.code === 'credit_balance_exhausted';
  if (status === 401 || status === 403 || status === 402 || quota) return new LlmAuthError(message, options);
  if (status === 429)
    return new LlmRateLimitError(message, { ...options, retryAfterMs: retryAfterMs(headers) });
  if (status === 408 || status === 409 || status >= 500)
    return new LlmServerError(message, { ...options, retryAfterMs: retryAfterMs(headers) });
  // Any other 4xx (400 invalid_request_error, 404 unknown model, 413 too long, 422): our request.
  return new LlmBadRequestError(message, { ...options, providerMessage: detail });
}

export interface PostResult {
  status: number;
  headers: Headers;
  json: unknown;
}

/** POSTs JSON and returns the parsed 2xx body, or throws a typed LlmError. */
export async function postJson(options: {
  route: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  secret?: Secret;
}): Promise<PostResult> {
  const { route, timeoutMs } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(options.body),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (timeout.aborted)
      throw new LlmTimeoutError(`${route}: no answer within ${timeoutMs} ms`, { route, cause: error });
    const message =
      error instanceof Error
        ? `${error.message}${error.cause ? ` (${String((error.cause as Error).message ?? error.cause)})` : ''}`
        : String(error);
    throw new LlmServerError(`${route}: request failed: ${scrub(message, options.secret)}`, { route });
  }
  if (!response.ok) throw httpError(route, response.status, response.headers, text, options.secret);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LlmServerError(
      `${route}: HTTP ${response.status} with a body that is not JSON: ${scrub(text.slice(0, 200), options.secret)}`,
      {
        route,
        status: response.status,
      },
    );
  }
  return { status: response.status, headers: response.headers, json };
}
