import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { candidateName } from './paths.ts';

const maxCollisions = 1_000;

/**
 * Temp names are unique within this process by a counter and across processes by a random part
 * drawn once (a pid alone repeats: a restarted container, a crashed run's leftover). Random bytes
 * drawn for every file took a call into OpenSSL each: 6 µs when warm, a profile of live cycles
 * put ≈ 60 µs on each entry.
 */
const tempPrefix = randomBytes(6).toString('hex');
let tempCount = 0;

function tempName(dir: string, name: string): string {
  tempCount += 1;
  return path.join(dir, `.${name}.${process.pid}.${tempPrefix}-${tempCount.toString(36)}.tmp`);
}

/** Writes a temp file in `dir` (same filesystem as the target) and fsyncs it (unless `sync` is false). */
async function writeTemp(dir: string, name: string, content: string, sync = true): Promise<string> {
  const temp = tempName(dir, name);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(content, 'utf8');
    if (sync) await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Folders this process has made (or found): a journal writes many entries into one day's folder,
 * and `mkdir -p` each time was a tenth of a backtest's CPU. A folder removed meanwhile is seen as
 * ENOENT on the temp file's open, made again, and the open retried once.
 */
const madeFolders = new Set<string>();

async function writeTempInFolder(dir: string, name: string, content: string, sync: boolean): Promise<string> {
  if (madeFolders.has(dir)) {
    try {
      return await writeTemp(dir, name, content, sync);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      madeFolders.delete(dir);
    }
  }
  await mkdir(dir, { recursive: true });
  if (madeFolders.size >= 10_000) madeFolders.clear(); // bounded: many backtests in one process
  madeFolders.add(dir);
  return writeTemp(dir, name, content, sync);
}

/** Makes a rename or link durable: the directory entry itself must reach the disk. */
async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; the data itself was synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Serialises the rename fallback within this process (links need no lock). */
let fallbackChain: Promise<unknown> = Promise.resolve();

/**
 * Places the temp file under the first free name (`base.md`, `base-2.md`, ...). A hard link
 * is atomic and fails with EEXIST instead of replacing, so two writers can never overwrite each
 * other; rename would silently replace. Where links are unsupported, an existence check and
 * rename, serialised within this process, stand in.
 */
async function placeUnderFreeName(dir: string, base: string, temp: string): Promise<string> {
  for (let attempt = 1; attempt <= maxCollisions; attempt += 1) {
    const name = candidateName(base, attempt);
    const target = path.join(dir, name);
    try {
      await link(temp, target);
      await unlink(temp);
      return name;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EXDEV')
        return placeByRename(dir, base, temp, attempt);
      throw error;
    }
  }
  throw Object.assign(new Error(`more than ${maxCollisions} entries named ${base}`), { code: 'EEXIST' });
}

function placeByRename(dir: string, base: string, temp: string, from: number): Promise<string> {
  const run = fallbackChain.then(async () => {
    for (let attempt = from; attempt <= maxCollisions; attempt += 1) {
      const name = candidateName(base, attempt);
      const exists = await lstat(path.join(dir, name)).then(
        () => true,
        () => false,
      );
      if (exists) continue;
      await rename(temp, path.join(dir, name));
      return name;
    }
    throw Object.assign(new Error(`more than ${maxCollisions} entries named ${base}`), { code: 'EEXIST' });
  });
  fallbackChain = run.catch(() => {});
  return run;
}

/**
 * Writes a new file atomically and never over an existing one: temp file in the same folder,
 * fsync, then placed under `base.md` or, on a collision, `base-2.md`, `base-3.md`, ...
 * Returns the file name used. A reader sees either no file or the whole file. With `sync: false`
 * (a backtest's journal) neither the file nor the folder is fsynced: still atomic, not durable
 * until the operating system writes it out.
 */
export async function writeNewFileAtomic(
  dir: string,
  base: string,
  content: string,
  options: { sync?: boolean } = {},
): Promise<string> {
  const sync = options.sync ?? true;
  const temp = await writeTempInFolder(dir, `${base}.md`, content, sync);
  try {
    const name = await placeUnderFreeName(dir, base, temp);
    if (sync) await syncDir(dir);
    return name;
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

const replaceChains = new Map<string, Promise<unknown>>();

/**
 * Replaces an existing file atomically (temp file, fsync, rename over it). `update` gets the
 * current text and returns the new one; updates of one file are serialised within this process
 * so two appends cannot lose each other.
 */
export function updateFileAtomic(file: string, update: (current: string) => string): Promise<void> {
  const previous = replaceChains.get(file) ?? Promise.resolve();
  const run = previous.then(async () => {
    const handle = await open(file, 'r');
    let current: string;
    try {
      current = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
    const dir = path.dirname(file);
    const temp = await writeTemp(dir, path.basename(file), update(current));
    try {
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    await syncDir(dir);
  });
  const settled = run.catch(() => {});
  replaceChains.set(file, settled);
  settled.then(() => {
    if (replaceChains.get(file) === settled) replaceChains.delete(file);
  });
  return run;
}
