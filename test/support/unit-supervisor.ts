import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A small service manager for tests, following the systemd semantics our units use (systemd is
 * not PID 1 on a test machine, and `systemd-run` needs it): it reads a unit file's ExecStart,
 * WorkingDirectory, Environment and EnvironmentFile, starts the command, and on exit applies
 * Restart= (`always`; `on-failure`: a non-zero exit or a kill by any signal but SIGHUP, SIGINT,
 * SIGTERM, SIGPIPE — systemd.service(5)), after RestartSec, within StartLimitBurst starts per
 * StartLimitIntervalSec. A stop sends KillSignal (SIGTERM) and is never followed by a restart.
 */
export interface ParsedUnit {
  execStart: string[];
  workingDirectory: string;
  environment: Record<string, string>;
  environmentFiles: string[];
  restart: 'no' | 'always' | 'on-failure';
  restartSec: number;
  startLimitBurst: number;
  startLimitIntervalSec: number;
}

/** Splits a unit's command line (double quotes, backslash escapes, `$$` for `$`). */
export function unitWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    const quoted = match[1];
    words.push(
      (quoted === undefined ? (match[2] ?? '') : quoted.replace(/\\(.)/g, '$1'))
        .replace(/\$\$/g, '$')
        .replace(/%%/g, '%'),
    );
  }
  return words;
}

const seconds = (value: string) => Number(value.replace(/s$/, ''));

export function parseUnit(text: string): ParsedUnit {
  const unit: ParsedUnit = {
    execStart: [],
    workingDirectory: '/',
    environment: {},
    environmentFiles: [],
    restart: 'no',
    restartSec: 0.1,
    startLimitBurst: 5,
    startLimitIntervalSec: 10,
  };
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0 || line.startsWith('#')) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1);
    if (key === 'ExecStart') unit.execStart = unitWords(value);
    else if (key === 'WorkingDirectory') unit.workingDirectory = value.replace(/%%/g, '%');
    else if (key === 'EnvironmentFile') unit.environmentFiles.push(value.replace(/%%/g, '%'));
    else if (key === 'Environment')
      for (const word of unitWords(value)) {
        const split = word.indexOf('=');
        unit.environment[word.slice(0, split)] = word.slice(split + 1);
      }
    else if (key === 'Restart') unit.restart = value as ParsedUnit['restart'];
    else if (key === 'RestartSec') unit.restartSec = seconds(value);
    else if (key === 'StartLimitBurst') unit.startLimitBurst = Number(value);
    else if (key === 'StartLimitIntervalSec') unit.startLimitIntervalSec = seconds(value);
  }
  return unit;
}

/** An EnvironmentFile: `NAME=value` or `NAME="value"` with backslash escapes; `#` comments. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|(.*))$/.exec(line.trim());
    if (!match?.[1]) continue;
    values[match[1]] = match[2] === undefined ? (match[3] ?? '') : match[2].replace(/\\(.)/g, '$1');
  }
  return values;
}

const cleanSignals = new Set(['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGPIPE']);

export function restartWanted(
  restart: ParsedUnit['restart'],
  code: number | null,
  signal: NodeJS.Signals | null,
): boolean {
  if (restart === 'always') return true;
  if (restart === 'on-failure') return signal ? !cleanSignals.has(signal) : code !== 0;
  return false;
}

export class UnitSupervisor {
  readonly unit: ParsedUnit;
  readonly #root: string;
  readonly #extraEnv: NodeJS.ProcessEnv;
  readonly #timeScale: number;
  #child: ChildProcess | null = null;
  #stopping = false;
  #startTimes: number[] = [];
  #output = '';
  /** Every start's pid, in order. */
  readonly pids: number[] = [];
  /** `failed` once the start limit was hit (systemd leaves the unit failed). */
  state: 'running' | 'restarting' | 'stopped' | 'failed' = 'stopped';

  /**
   * `root`: where the unit's absolute paths (its EnvironmentFile) live in this test;
   * `timeScale` shortens RestartSec (0.1: 10 s → 1 s) and nothing else.
   */
  constructor(
    unitFile: string,
    options: { root?: string; env?: NodeJS.ProcessEnv; timeScale?: number } = {},
  ) {
    this.unit = parseUnit(readFileSync(unitFile, 'utf8'));
    this.#root = options.root ?? '/';
    this.#extraEnv = options.env ?? {};
    this.#timeScale = options.timeScale ?? 1;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get starts(): number {
    return this.pids.length;
  }

  output(): string {
    return this.#output;
  }

  start(): void {
    this.#stopping = false;
    const now = Date.now();
    const window = this.unit.startLimitIntervalSec * 1000;
    this.#startTimes = this.#startTimes.filter((at) => window > 0 && now - at < window);
    if (window > 0 && this.unit.startLimitBurst > 0 && this.#startTimes.length >= this.unit.startLimitBurst) {
      this.state = 'failed';
      return;
    }
    this.#startTimes.push(now);
    const fromFiles = Object.assign(
      {},
      ...this.unit.environmentFiles.map((file) =>
        parseEnvironmentFile(readFileSync(path.join(this.#root, file), 'utf8')),
      ),
    ) as Record<string, string>;
    const [command, ...args] = this.unit.execStart;
    if (!command) throw new Error('the unit has no ExecStart');
    // systemd starts a service with a clean environment: PATH, the unit's variables, its file's.
    const child = spawn(command, args, {
      cwd: this.unit.workingDirectory,
      env: { PATH: process.env.PATH, ...this.#extraEnv, ...this.unit.environment, ...fromFiles },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    if (child.pid) this.pids.push(child.pid);
    this.state = 'running';
    const collect = (chunk: Buffer) => {
      this.#output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code, signal) => {
      this.#output += `\n[supervisor] exited code=${code} signal=${signal}\n`;
      if (this.#stopping || !restartWanted(this.unit.restart, code, signal)) {
        this.state = 'stopped';
        return;
      }
      this.state = 'restarting';
      setTimeout(
        () => {
          if (!this.#stopping) this.start();
        },
        this.unit.restartSec * 1000 * this.#timeScale,
      );
    });
  }

  /** The manager's stop: KillSignal (SIGTERM), no restart; resolves when the process has exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
