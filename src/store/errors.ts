import { SignetError } from '../errors/index.ts';

/** The database cannot be reached or refused us; the message names the masked URL and the fix. */
export class StoreUnavailableError extends SignetError {
  constructor(message: string, options: { fix: string; cause?: unknown; maskedUrl: string }) {
    super(message, {
      code: 'store_unavailable',
      fault: 'system',
      isRetryable: true,
      fix: options.fix,
      cause: options.cause,
      details: { url: options.maskedUrl },
    });
  }
}

export class MigrationError extends SignetError {
  constructor(message: string, options: { fix: string; cause?: unknown }) {
    super(message, { code: 'migration_failed', fault: 'system', fix: options.fix, cause: options.cause });
  }
}

/** Errors pg raises when the connection itself is gone; the operation may succeed on a new one. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // 08xxx connection exceptions, 57P01..57P03 admin shutdown / crash shutdown / cannot connect now.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))
      return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    error.message,
  );
}
