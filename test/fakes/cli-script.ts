import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Paths of the fake executables (node scripts with a shebang). */
export const fakeClaudePath = path.join(here, 'fake-claude.mjs');
export const fakeCodexPath = path.join(here, 'fake-codex.mjs');

export type ClaudeStep =
  | {
      kind: 'success';
      text: string;
      structured?: unknown;
      costUsd?: number;
      usage?: Record<string, number>;
      verbose?: boolean;
      warning?: string;
      delayMs?: number;
    }
  | { kind: 'api_error'; status?: 429 | 529 | 500 | 401 | null; text?: string; delayMs?: number }
  | { kind: 'usage_limit'; text?: string; status?: number }
  | { kind: 'max_turns' }
  | { kind: 'exit'; code?: number; stderr?: string; stdout?: string }
  | { kind: 'hang' };

export type CodexStep =
  | {
      kind: 'success';
      text: string;
      usage?: Record<string, number>;
      banner?: string;
      delayMs?: number;
      /** Transient "Reconnecting... n/5" error events before the turn completes. */
      reconnects?: number;
    }
  | { kind: 'usage_limit'; message?: string }
  | { kind: 'turn_failed'; message?: string }
  | { kind: 'exit'; code?: number; stderr?: string }
  | { kind: 'hang' };

export interface CliScript<Step> {
  /** The script file (set FAKE_CLAUDE_SCRIPT / FAKE_CODEX_SCRIPT to it). */
  readonly file: string;
  /** The JSONL log of each run's argv and stdin. */
  readonly log: string;
  script(...steps: Step[]): void;
  setDefault(step: Step): void;
  pending(): number;
  /** Drops queued steps and the call log (the default step stays). */
  reset(): void;
  calls(): Array<{ argv: string[]; stdin: string; envNames: string[] }>;
  /**
   * The variables that point the fake at this script: a CLI route hands its child only an
   * allow-list, so the route must be told to pass these (`passEnv`).
   */
  readonly passEnv: string[];
}

/**
 * A per-test script for a fake CLI. `use()` points the fake at it through the environment the
 * route's child process inherits (each vitest file runs in its own process).
 */
export function createCliScript<Step>(
  tool: 'claude' | 'codex',
  defaultStep?: Step,
): CliScript<Step> & { use(): void } {
  const prefix = tool === 'claude' ? 'FAKE_CLAUDE' : 'FAKE_CODEX';
  const dir = mkdtempSync(path.join(tmpdir(), `signet-fake-${tool}-`));
  const file = path.join(dir, 'script.json');
  const log = path.join(dir, 'calls.jsonl');
  const read = () => JSON.parse(readFileSync(file, 'utf8')) as { steps: Step[]; default?: Step };
  writeFileSync(file, JSON.stringify({ steps: [], default: defaultStep }));
  return {
    file,
    log,
    script(...steps) {
      const current = read();
      writeFileSync(file, JSON.stringify({ ...current, steps: [...current.steps, ...steps] }));
    },
    setDefault(step) {
      writeFileSync(file, JSON.stringify({ ...read(), default: step }));
    },
    pending: () => read().steps.length,
    reset() {
      writeFileSync(file, JSON.stringify({ ...read(), steps: [] }));
      rmSync(log, { force: true });
    },
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { argv: string[]; stdin: string; envNames: string[] })
        : [],
    passEnv: [`${prefix}_SCRIPT`, `${prefix}_LOG`],
    use() {
      process.env[`${prefix}_SCRIPT`] = file;
      process.env[`${prefix}_LOG`] = log;
    },
  };
}
