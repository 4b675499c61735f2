import { z } from 'zod';
import type { Secret } from '../../config/index.ts';
import {
  LlmAuthError,
  LlmBadRequestError,
  LlmConfigError,
  type LlmError,
  LlmRateLimitError,
  LlmServerError,
  LlmTimeoutError,
} from '../errors.ts';

/**
 * Shared plumbing for the vendor routes (which call the vendors' own SDKs): a deadline around the
 * call, the vendor's error (status, headers, body) mapped to our typed errors, and scrubbing so a
 * key echoed back by a vendor ("Incorrect API key provided: sk-ab***yz") never reaches a log, the
 * ledger or the bus.
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
      z.object({
        type: z.string().optional(),
        message: z.string().optional(),
        code: z.unknown().optional(),
        // Google APIs: {"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT"}}
        status: z.string().optional(),
      }),
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
        return { type: data.error.type ?? data.error.status, message: data.error.message ?? '', code };
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
  // Google answers a wrong key with 400 INVALID_ARGUMENT "API key not valid" (reason API_KEY_INVALID).
  const badKey = /API key not valid|API_KEY_INVALID/.test(bodyText);
  if (status === 401 || status === 403 || status === 402 || quota || badKey)
    return new LlmAuthError(message, options);
  if (status === 429)
    return new LlmRateLimitError(message, { ...options, retryAfterMs: retryAfterMs(headers) });
  if (status === 408 || status === 409 || status >= 500)
    return new LlmServerError(message, { ...options, retryAfterMs: retryAfterMs(headers) });
  // Any other 4xx (400 invalid_request_error, 404 unknown model, 413 too long, 422): our request.
  return new LlmBadRequestError(message, { ...options, providerMessage: detail });
}

/** What a vendor SDK's error tells about the HTTP answer, when there was one. */
export interface VendorFailure {
  status: number;
  headers: Headers | undefined;
  /** The error body as the vendor sent it (JSON text). */
  body: string;
}

/**
 * Runs one SDK call under our deadline and maps whatever it throws: an HTTP error through
 * `httpError` (our-fault 4xx open the route, 429/5xx are retryable), our deadline to
 * `LlmTimeoutError`, anything else (connection refused, a body that is not JSON) to a retryable
 * `LlmServerError`. The SDKs' own retries are off (maxRetries: 0): the breaker decides.
 */
export async function callVendor<T>(options: {
  route: string;
  timeoutMs: number;
  signal?: AbortSignal;
  secret?: Secret;
  call: (signal: AbortSignal) => Promise<T>;
  /** The HTTP facts of an SDK error, or undefined when it is not an HTTP error. */
  failure: (error: unknown) => VendorFailure | undefined;
}): Promise<T> {
  const { route, timeoutMs } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    return await options.call(signal);
  } catch (error) {
    if (timeout.aborted)
      throw new LlmTimeoutError(`${route}: no answer within ${timeoutMs} ms`, { route, cause: error });
    const http = options.failure(error);
    if (http) throw httpError(route, http.status, http.headers ?? new Headers(), http.body, options.secret);
    throw new LlmServerError(`${route}: request failed: ${scrub(describeCause(error), options.secret)}`, {
      route,
    });
  }
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : error.cause ? String(error.cause) : '';
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
}

/** The route's API key, or the configuration error naming the variable that holds it. */
export function requireApiKey(route: string, apiKey: Secret | undefined, variable: string): Secret {
  if (apiKey) return apiKey;
  throw new LlmConfigError(`${route}: no API key`, {
    route,
    fix: `Set ${variable} (or the route's apiKeyEnv) in the environment.`,
  });
}
