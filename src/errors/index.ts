/**
 * One error base class for all of Signet. Whose fault it is (`fault`) and whether
 * a retry can help (`isRetryable`) are data, so callers decide without string matching.
 */
export type Fault = 'user' | 'system' | 'model' | 'timeout' | 'external';

export interface SignetErrorOptions {
  code: string;
  fault: Fault;
  isRetryable?: boolean;
  /** What the person reading the error should do about it. */
  fix?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class SignetError extends Error {
  readonly code: string;
  readonly fault: Fault;
  readonly isRetryable: boolean;
  readonly fix: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: SignetErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.fault = options.fault;
    this.isRetryable = options.isRetryable ?? false;
    this.fix = options.fix;
    this.details = options.details ?? {};
  }

  static is(value: unknown): value is SignetError {
    return value instanceof SignetError;
  }
}

/** Input given by a person or a file was wrong; retrying the same input cannot help. */
export class ValidationError extends SignetError {
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  constructor(
    message: string,
    issues: ReadonlyArray<{ path: string; message: string }>,
    options: Partial<SignetErrorOptions> = {},
  ) {
    super(message, { code: 'validation_failed', fault: 'user', ...options });
    this.issues = issues;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
