import type { Config } from '../config/index.ts';
import { errorMessage, SignetError } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';

/**
 * The shape of a `signet doctor` check. It lives here, below the CLI, so a venue can bring its
 * own checks without importing the command that runs them (that import was the one cycle).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about it (warn and fail). */
  fix?: string;
}

export interface DoctorContext {
  config: Config;
  logger: Logger;
  /** Opens the database on first use (a failing open is the database check's finding). */
  store(): Promise<Store>;
  /** Send every skill's output schema to every route (default true; `--no-llm-probe` turns it off). */
  probeLlm?: boolean;
}

export interface DoctorCheck {
  name: string;
  run(context: DoctorContext): Promise<CheckResult>;
}

export function failure(error: unknown, fallbackFix: string): CheckResult {
  return {
    status: 'fail',
    detail: errorMessage(error),
    fix: error instanceof SignetError && error.fix ? error.fix : fallbackFix,
  };
}
