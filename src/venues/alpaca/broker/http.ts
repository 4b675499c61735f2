import type { z } from 'zod';
import type { Secret } from '../../../config/index.ts';
import type { Logger } from '../../../logging/index.ts';
import {
  BrokerAuthError,
  type BrokerError,
  BrokerForbiddenError,
  BrokerNotFoundError,
  BrokerRateLimitedError,
  BrokerRejectedError,
  BrokerResponseError,
  BrokerTimeoutError,
  BrokerUnavailableError,
} from './errors.ts';
import { errorBodySchema } from './schemas.ts';

export interface AlpacaCredentials {
  keyId: Secret;
  secretKey: Secret;
}

export interface AlpacaHttpOptions {
  baseUrl: string;
  credentials: AlpacaCredentials;
  logger: Logger;
  timeoutMs?: number;
  /** Backoffs after 429 (any request) or 5xx/network (reads only) before giving up. */
  maxRetries?: number;
  /** Longest single wait for a rate-limit reset. */
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  timeoutMs?: number;
  /**
   * Whether a 5xx or a lost connection may be retried: true for reads; false for an order
   * submission, whose outcome is then unknown (the caller looks it up by client order id).
   * A 429 is always retried: the broker did not process the request.
   */
  idempotent?: boolean;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Alpaca's REST transport: auth headers, timeouts, 429 backoff honouring X-Ratelimit-Reset
 * (and Retry-After should it appear), status → typed error, JSON → zod. The secret key is
 * revealed only into the request header.
 */
export class AlpacaHttp {
  readonly baseUrl: string;
  private readonly options: Required<Omit<AlpacaHttpOptions, 'baseUrl'>>;
  /** Epoch ms before which the quota is spent (X-Ratelimit-Remaining: 0 on the last answer). */
  private quotaResetAt = 0;

  constructor(options: AlpacaHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.options = {
      credentials: options.credentials,
      logger: options.logger,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: options.maxRetries ?? 5,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
      sleep: options.sleep ?? sleepFor,
      now: options.now ?? Date.now,
    };
  }

  async request<Schema extends z.ZodType>(
    schema: Schema | undefined,
    method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
    path: string,
    options: RequestOptions = {},
  ): Promise<{ status: number; value: z.output<Schema> | undefined }> {
    const idempotent = options.idempotent ?? method === 'GET';
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const where = `${method} ${url.pathname}`;
    for (let attempt = 0; ; attempt += 1) {
      // The last answer said the quota is spent: wait for the reset instead of collecting a 429.
      const wait = this.quotaResetAt - this.options.now();
      if (wait > 0) await this.options.sleep(Math.min(wait, this.options.maxBackoffMs));
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            'APCA-API-KEY-ID': this.options.credentials.keyId.reveal(),
            'APCA-API-SECRET-KEY': this.options.credentials.secretKey.reveal(),
            accept: 'application/json',
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? this.options.timeoutMs),
        });
      } catch (error) {
        const timedOut =
          error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        const failure = timedOut
          ? new BrokerTimeoutError(
              `${where}: no answer within ${options.timeoutMs ?? this.options.timeoutMs} ms`,
              {
                cause: error,
              },
            )
          : new BrokerUnavailableError(`${where}: cannot reach the broker (${(error as Error).message})`, {
              cause: error,
            });
        if (idempotent && attempt < this.options.maxRetries) {
          await this.backoff(attempt, where, failure.code);
          continue;
        }
        throw failure;
      }
      const text = await response.text().catch(() => '');
      this.noteQuota(response);
      if (response.status === 429) {
        if (attempt < this.options.maxRetries) {
          await this.options.sleep(this.rateLimitWait(response, attempt));
          this.options.logger.warn({ where, attempt }, 'broker rate limit: backing off');
          continue;
        }
        throw new BrokerRateLimitedError(`${where}: rate limited after ${attempt + 1} attempts`, {
          status: 429,
        });
      }
      if (response.status >= 500 && idempotent && attempt < this.options.maxRetries) {
        await this.backoff(attempt, where, `http_${response.status}`);
        continue;
      }
      if (response.status >= 400) throw this.errorFor(response.status, text, where);
      if (response.status === 204 || schema === undefined)
        return { status: response.status, value: undefined };
      return { status: response.status, value: parseBody(schema, text, where) };
    }
  }

  private noteQuota(response: Response): void {
    const remaining = response.headers.get('x-ratelimit-remaining');
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    this.quotaResetAt =
      remaining !== null && Number(remaining) <= 0 && Number.isFinite(reset) && response.status !== 429
        ? reset * 1000
        : 0;
  }

  /** Wait before retrying a 429: Retry-After, else until X-Ratelimit-Reset, else exponential. */
  private rateLimitWait(response: Response, attempt: number): number {
    const retryAfter = Number(response.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0)
      return Math.min(retryAfter * 1000, this.options.maxBackoffMs);
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) {
      const wait = reset * 1000 - this.options.now();
      return Math.min(Math.max(wait, 50), this.options.maxBackoffMs);
    }
    return Math.min(250 * 2 ** attempt, this.options.maxBackoffMs);
  }

  private async backoff(attempt: number, where: string, reason: string): Promise<void> {
    this.options.logger.warn({ where, attempt, reason }, 'broker request failed: retrying');
    await this.options.sleep(Math.min(200 * 2 ** attempt, 5_000));
  }

  private errorFor(status: number, text: string, where: string): BrokerError {
    let code: number | undefined;
    let message = text.slice(0, 300);
    let details: Record<string, unknown> = {};
    try {
      const parsed = errorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) {
        code = parsed.data.code;
        message = parsed.data.message ?? message;
        const { code: _code, message: _message, ...rest } = parsed.data;
        details = rest;
      }
    } catch {
      // Not JSON (e.g. an nginx HTML 401 page): keep the text.
    }
    const options = { status, brokerCode: code, details };
    const what = `${where}: ${message || `HTTP ${status}`}`;
    if (status === 401) return new BrokerAuthError(`${where}: the broker rejected the API keys`, options);
    if (status === 403) return new BrokerForbiddenError(what, options);
    if (status === 404) return new BrokerNotFoundError(what, options);
    if (status === 422 || status === 400) return new BrokerRejectedError(what, options);
    if (status >= 500) return new BrokerUnavailableError(what, options);
    return new BrokerResponseError(`${where}: unexpected HTTP ${status}`, options);
  }
}

export function parseBody<Schema extends z.ZodType>(
  schema: Schema,
  text: string,
  where: string,
): z.output<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BrokerResponseError(`${where}: the broker's answer is not JSON`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    throw new BrokerResponseError(`${where}: unexpected answer (${issues.join('; ')})`, {
      details: { issues },
    });
  }
  return parsed.data;
}
