import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Bus } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import { errorMessage } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import { SkillInvalidError, SkillNotFoundError } from './errors.ts';
import { hashSkillText, parseSkill, type Skill } from './parse.ts';

export const skillFileName = 'SKILL.md';

export interface SkillProblem {
  /** The skill's folder name. */
  name: string;
  file: string;
  reason: string;
}

export type SkillEvent =
  | { kind: 'loaded'; name: string; version: string; file: string }
  | { kind: 'reloaded'; name: string; version: string; previousVersion: string; file: string }
  | { kind: 'invalid'; name: string; file: string; reason: string; keptVersion: string | null }
  | { kind: 'recovered'; name: string; file: string };

export interface ScanResult {
  skills: Skill[];
  problems: SkillProblem[];
}

interface ScannedFile {
  name: string;
  file: string;
  text: string | null;
  readError?: string;
}

async function isDirectory(target: string): Promise<boolean> {
  return stat(target).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/** Reads every `<dir>/<name>/SKILL.md` (sorted by name); unreadable ones carry the reason. */
async function readSkillFiles(dir: string): Promise<ScannedFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name): Promise<ScannedFile> => {
      const file = path.join(dir, name, skillFileName);
      try {
        return { name, file, text: await readFile(file, 'utf8') };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return {
          name,
          file,
          text: null,
          readError:
            code === 'ENOENT' ? `${skillFileName} is missing` : `cannot read: ${code ?? errorMessage(error)}`,
        };
      }
    }),
  );
}

function parseScanned(scanned: ScannedFile): Skill | SkillProblem {
  if (scanned.text === null)
    return { name: scanned.name, file: scanned.file, reason: scanned.readError ?? 'unreadable' };
  try {
    return parseSkill(scanned.text, scanned.file, scanned.name);
  } catch (error) {
    const reason = error instanceof SkillInvalidError ? error.reason : errorMessage(error);
    return { name: scanned.name, file: scanned.file, reason };
  }
}

function isProblem(value: Skill | SkillProblem): value is SkillProblem {
  return 'reason' in value && !('persona' in value);
}

/** Loads and validates every skill of a folder without keeping anything: `signet skills check`. */
export async function scanSkillsDir(dir: string): Promise<ScanResult> {
  if (!(await isDirectory(dir)))
    return { skills: [], problems: [{ name: '', file: dir, reason: 'not a readable folder' }] };
  const result: ScanResult = { skills: [], problems: [] };
  for (const scanned of await readSkillFiles(dir)) {
    const parsed = parseScanned(scanned);
    if (isProblem(parsed)) result.problems.push(parsed);
    else result.skills.push(parsed);
  }
  return result;
}

export interface SkillRegistryOptions {
  dir: string;
  logger: Logger;
  /** Called for every load, reload and rejected edit (errors it throws are logged, not raised). */
  onEvent?: (event: SkillEvent) => void;
  /** When given, events are published as `skills.reloaded` / `skills.invalid` (best effort). */
  bus?: Bus;
  /** Quiet time after the last file event before a rescan; editors emit bursts. */
  debounceMs?: number;
}

/**
 * The skills of one folder, kept current. A valid edit replaces the skill for the next `get()`;
 * an invalid edit (or a vanished file) keeps the last good version and is reported. Nothing
 * here throws out of a file event: the brain must not die of a typo in a prompt.
 */
export class SkillRegistry {
  readonly dir: string;
  readonly #logger: Logger;
  readonly #onEvent: ((event: SkillEvent) => void) | undefined;
  readonly #bus: Bus | undefined;
  readonly #debounceMs: number;
  readonly #skills = new Map<string, Skill>();
  readonly #problems = new Map<string, SkillProblem>();
  readonly #watchers = new Map<string, FSWatcher>();
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: SkillRegistryOptions) {
    this.dir = path.resolve(options.dir);
    this.#logger = options.logger.child({ module: 'skills' });
    this.#onEvent = options.onEvent;
    this.#bus = options.bus;
    this.#debounceMs = options.debounceMs ?? 150;
  }

  /** Loads the folder once. Invalid skills are reported (see problems()), not thrown. */
  static async load(options: SkillRegistryOptions & { watch?: boolean }): Promise<SkillRegistry> {
    const registry = new SkillRegistry(options);
    await registry.rescan();
    if (options.watch) await registry.watch();
    return registry;
  }

  /** The current good version of a skill; throws SkillNotFoundError when there is none. */
  get(name: string): Skill {
    const skill = this.#skills.get(name);
    if (!skill) throw new SkillNotFoundError(name, [...this.#skills.keys()].sort());
    return skill;
  }

  has(name: string): boolean {
    return this.#skills.has(name);
  }

  list(): Skill[] {
    return [...this.#skills.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Current problems: skills never loaded, or edits rejected while an older version serves. */
  problems(): SkillProblem[] {
    return [...this.#problems.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Re-reads the folder now; concurrent calls are serialised. */
  rescan(): Promise<void> {
    const next = this.#scanning.then(() => this.#scanOnce());
    this.#scanning = next.catch(() => {});
    return next;
  }

  /**
   * Starts watching the folder and each skill folder (not the files: editors replace files by
   * rename). Resolves once every folder is watched, so an edit made right after cannot be missed.
   */
  async watch(): Promise<void> {
    if (this.#closed) return;
    this.#watchFolder(this.dir);
    await this.#syncFolderWatchers().catch((error) =>
      this.#logger.warn({ err: error }, 'skills: watch setup failed'),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    await this.#scanning;
  }

  #watchFolder(folder: string): void {
    if (this.#watchers.has(folder) || this.#closed) return;
    try {
      const watcher = watch(folder, { persistent: false }, () => this.#schedule());
      watcher.on('error', (error) => {
        this.#logger.debug({ err: error, folder }, 'skills: watcher closed');
        watcher.close();
        this.#watchers.delete(folder);
        this.#schedule();
      });
      this.#watchers.set(folder, watcher);
    } catch (error) {
      this.#logger.warn({ err: error, folder }, 'skills: cannot watch folder');
    }
  }

  async #syncFolderWatchers(): Promise<void> {
    if (this.#closed) return;
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const folders = new Set(
      entries
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
        .map((entry) => path.join(this.dir, entry.name)),
    );
    for (const folder of folders) this.#watchFolder(folder);
    for (const [folder, watcher] of this.#watchers) {
      if (folder !== this.dir && !folders.has(folder)) {
        watcher.close();
        this.#watchers.delete(folder);
      }
    }
    if (!this.#watchers.has(this.dir)) this.#watchFolder(this.dir);
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.rescan()
        .then(() => (this.#watchers.size > 0 ? this.#syncFolderWatchers() : undefined))
        .catch((error) => this.#logger.error({ err: error }, 'skills: rescan failed'));
    }, this.#debounceMs);
    this.#timer.unref?.();
  }

  async #scanOnce(): Promise<void> {
    let scanned: ScannedFile[];
    try {
      scanned = await readSkillFiles(this.dir);
    } catch (error) {
      const reason = `cannot read the skills folder: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`;
      this.#reject({ name: '', file: this.dir, reason });
      return;
    }
    this.#problems.delete(''); // the folder itself is readable again
    const seen = new Set<string>();
    for (const each of scanned) {
      seen.add(each.name);
      const current = this.#skills.get(each.name);
      if (current && each.text !== null && this.#problems.get(each.name) === undefined) {
        // Same text as the version in service: a touch, not an edit.
        if (hashSkillText(each.text) === current.hash) continue;
      }
      const parsed = parseScanned(each);
      if (isProblem(parsed)) this.#reject(parsed);
      else this.#accept(parsed);
    }
    for (const [name, skill] of this.#skills) {
      if (!seen.has(name)) this.#reject({ name, file: skill.file, reason: 'the skill folder was removed' });
    }
  }

  #accept(skill: Skill): void {
    const previous = this.#skills.get(skill.name);
    const hadProblem = this.#problems.delete(skill.name);
    if (previous?.hash === skill.hash) {
      if (hadProblem) this.#emit({ kind: 'recovered', name: skill.name, file: skill.file });
      return;
    }
    this.#skills.set(skill.name, skill);
    if (previous) {
      this.#logger.info(
        { skill: skill.name, version: skill.version, previousVersion: previous.version },
        'skills: reloaded',
      );
      this.#emit({
        kind: 'reloaded',
        name: skill.name,
        version: skill.version,
        previousVersion: previous.version,
        file: skill.file,
      });
    } else {
      this.#logger.debug({ skill: skill.name, version: skill.version }, 'skills: loaded');
      this.#emit({ kind: 'loaded', name: skill.name, version: skill.version, file: skill.file });
    }
  }

  #reject(problem: SkillProblem): void {
    const known = this.#problems.get(problem.name);
    if (known && known.reason === problem.reason && known.file === problem.file) return; // reported already
    this.#problems.set(problem.name, problem);
    const kept = this.#skills.get(problem.name);
    this.#logger.error(
      { skill: problem.name, file: problem.file, reason: problem.reason, keptVersion: kept?.version ?? null },
      kept ? 'skills: invalid edit rejected, last good version kept' : 'skills: invalid skill not loaded',
    );
    this.#emit({
      kind: 'invalid',
      name: problem.name,
      file: problem.file,
      reason: problem.reason,
      keptVersion: kept?.version ?? null,
    });
  }

  #emit(event: SkillEvent): void {
    try {
      this.#onEvent?.(event);
    } catch (error) {
      this.#logger.error({ err: error }, 'skills: event callback threw');
    }
    if (!this.#bus || event.kind === 'loaded') return;
    const { kind, ...payload } = event;
    this.#bus
      .publish({
        fromAgent: 'skills',
        toAgent: 'operator',
        topic: kind === 'invalid' ? topics.skillsInvalid : topics.skillsReloaded,
        payload: { ...payload, event: kind },
      })
      .catch((error) => this.#logger.warn({ err: error }, 'skills: could not publish the event'));
  }
}
