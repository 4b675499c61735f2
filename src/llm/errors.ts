import { type Fault, SignetError, type SignetErrorOptions } from '../errors/index.ts';

/**
 * One base class for every LLM error. Subclasses split by whose fault it is; two extra facts
 * drive the circuit breaker: `opensRoute` (a bad key or a bad request does not fix itself, so
 * the route opens at once) and `retryAfterMs` (the vendor told us when to come back).
 */
export interface LlmErrorOptions extends Omit<SignetErrorOptions, 'code' | 'fault'> {
  route?: string;
  retryAfterMs?: number;
  status?: number;
}

export abstract class LlmError extends SignetError {
  readonly route: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  /** Open the route's breaker at once instead of counting towards N failures. */
  readonly opensRoute: boolean = false;

  constructor(message: string, code: string, fault: Fault, options: LlmErrorOptions = {}) {
    super(message, {
      code,
      fault,
      isRetryable: options.isRetryable,
      fix: options.fix,
      cause: options.cause,
      details: { ...options.details, route: options.route, status: options.status },
    });
    this.route = options.route;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** The configuration is wrong (missing key, missing binary, unknown model price, a request the vendor refuses). */
export class LlmConfigError extends LlmError {
  override readonly opensRoute = true;
  constructor(message: string, options: LlmErrorOptions = {}, code = 'llm_config') {
    super(message, code, 'user', options);
  }
}

/** 401/403, "Not logged in", "Credit balance is too low", quota 429s: only a person can fix it. */
export class LlmAuthError extends LlmError {
  override readonly opensRoute = true;
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, 'llm_auth', 'user', {
      fix: "Check the route's API key / login and the account's billing; the route stays open until a trial call succeeds.",
      ...options,
    });
  }
}

/**
 * 400/404/413/422 (`invalid_request_error` and kin): the vendor says our request is malformed. That is
 * our configuration's fault (a schema keyword, a model id, an option the vendor refuses), so it is an
 * `LlmConfigError`: sending it again cannot help, the route opens at once, and the router announces
 * it loudly (bus, journal, page) instead of letting the fallbacks decide in silence.
 */
export class LlmBadRequestError extends LlmConfigError {
  /** The vendor's own words (e.g. "output_format.schema: For 'number' type, property 'minimum' is not supported"). */
  readonly providerMessage: string;
  constructor(message: string, options: LlmErrorOptions & { providerMessage?: string } = {}) {
    super(
      message,
      {
        fix: "Our request does not fit what the vendor accepts: check the route's model name and options (e.g. sendTemperature) and the skill's output schema against the vendor docs; `signet doctor` sends every skill's schema to every route.",
        ...options,
      },
      'llm_bad_request',
    );
    this.providerMessage = options.providerMessage ?? message;
  }
}

/** True when the vendor refused our request as malformed (our configuration's fault). */
export function isRequestRejection(error: unknown): error is LlmBadRequestError {
  return error instanceof LlmBadRequestError;
}

/** 429 with retry-after: transient throttling. */
export class LlmRateLimitError extends LlmError {
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, 'llm_rate_limited', 'external', { isRetryable: true, ...options });
  }
}

/** A subscription CLI reports its usage limit (session / weekly / plan). */
export class LlmUsageLimitError extends LlmError {
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, 'llm_usage_limit', 'external', {
      isRetryable: false,
      fix: "Wait for the plan's limit to reset; other routes answer meanwhile.",
      ...options,
    });
  }
}

/** 5xx, 529 overloaded, connection refused: the vendor's side. */
export class LlmServerError extends LlmError {
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, options.status === 529 ? 'llm_overloaded' : 'llm_server_error', 'external', {
      isRetryable: true,
      ...options,
    });
  }
}

export class LlmTimeoutError extends LlmError {
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, 'llm_timeout', 'timeout', { isRetryable: true, ...options });
  }
}

/** A CLI exited non-zero without a result, or could not be started. */
export class LlmProcessError extends LlmError {
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, 'llm_process', 'system', { isRetryable: true, ...options });
  }
}

/** The model answered, but not usefully: unparseable, schema-invalid, refused or truncated. */
export class LlmOutputError extends LlmError {
  readonly rawText: string | undefined;
  constructor(message: string, options: LlmErrorOptions & { rawText?: string; kind?: string } = {}) {
    super(message, options.kind ?? 'llm_invalid_output', 'model', options);
    this.rawText = options.rawText;
  }
}

/** Replay mode and the answer is not in `llm_calls`: never a live call. */
export class LlmReplayMissError extends LlmError {
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, 'llm_replay_miss', 'user', {
      fix: 'Record the run first (llm.mode: record), or switch llm.mode to cache/live.',
      ...options,
    });
  }
}

/** Why one route did not answer a call. */
export interface RouteFailureReason {
  route: string;
  outcome: 'failed' | 'skipped';
  /** e.g. llm_timeout, breaker_open, budget_exhausted, retry_after, unknown_route. */
  code: string;
  message: string;
  fault: Fault;
}

/** Every route failed or was skipped: the caller gets this, never a default answer. */
export class LlmFailure extends LlmError {
  readonly reasons: readonly RouteFailureReason[];
  constructor(
    message: string,
    code: string,
    reasons: readonly RouteFailureReason[],
    fault: Fault = 'external',
  ) {
    super(message, code, fault, {
      details: { reasons },
      fix:
        code === 'llm_not_configured'
          ? 'Add routes under llm.routes in signet.yaml; until then agents use their deterministic fallbacks.'
          : 'See the per-route reasons; `signet llm status` shows breakers and the budget.',
    });
    this.reasons = reasons;
  }
}

export function isLlmError(value: unknown): value is LlmError {
  return value instanceof LlmError;
}

/** Any thrown value as an LlmError of that route (an unexpected one as a process error, cause kept). */
export function asLlmError(error: unknown, route: string): LlmError {
  if (isLlmError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LlmProcessError(`${route}: unexpected failure: ${message}`, { route, cause: error });
}

/** A cost ledger row could not be written: no order may go out on the decisions it paid for. */
export class LlmLedgerError extends LlmError {
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, 'llm_ledger_write_failed', 'system', {
      fix: 'Check the database (signet doctor); the call was made but its cost row is missing, so the cycle sends no order.',
      ...options,
    });
  }
}
