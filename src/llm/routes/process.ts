import { spawn } from 'node:child_process';
import { LlmConfigError, LlmProcessError, LlmTimeoutError } from '../errors.ts';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI once: prompt on stdin, stdout and stderr collected, killed at the deadline
 * (SIGTERM, then SIGKILL if it lingers). A missing binary is a configuration error. The child
 * gets only the environment it is given: our broker keys and tokens never reach a CLI.
 */
export function runProcess(options: {
  route: string;
  binary: string;
  args: string[];
  stdin: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The child's whole environment: an allow-list (`processCliEnvironment`), never ours. */
  env: Record<string, string>;
}): Promise<ProcessResult> {
  const { route, binary, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, options.args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = () => stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      action();
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          error.code === 'ENOENT'
            ? new LlmConfigError(`${route}: executable "${binary}" not found`, {
                route,
                cause: error,
                fix: `Install it or set llm.routes[].binary for route ${route} to its path.`,
              })
            : new LlmProcessError(`${route}: could not start "${binary}": ${error.message}`, {
                route,
                cause: error,
              }),
        ),
      ),
    );
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      finish(() => {
        if (timedOut)
          reject(new LlmTimeoutError(`${route}: no answer within ${timeoutMs} ms (killed)`, { route }));
        else
          resolve({
            code,
            signal,
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
          });
      });
    });
    // The CLI may exit before reading its stdin (e.g. a flag error): ignore EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin);
  });
}

/** Lines of stdout that parse as JSON objects or arrays; banners and warnings are skipped. */
export function jsonLines(stdout: string): unknown[] {
  const values: unknown[] = [];
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) continue;
    try {
      values.push(JSON.parse(trimmed));
    } catch {
      // a partial or decorated line: not an event
    }
  }
  return values;
}
