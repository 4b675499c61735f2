import path from 'node:path';
import pg from 'pg';
import { type Config, type DatabaseSection, maskDatabaseUrl } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { withFields } from '../platform/index.ts';
import { type EmbeddedServer, startEmbeddedPostgres } from './embedded.ts';
import { type EmbeddedEvent, superviseEmbedded } from './embedded-supervisor.ts';
import { StoreUnavailableError } from './errors.ts';
import { migrate } from './migrate.ts';
import { StatementNamer } from './prepared.ts';
import type { Queryable, QueryResultLike } from './queryable.ts';

export interface TransactionOptions {
  /**
   * Default true: the commit returns once its WAL is on the disk. False: once it is written; the
   * server's WAL writer flushes it within three times `wal_writer_delay` (600 ms by default;
   * PostgreSQL's "Asynchronous Commit"), as `synchronous_commit = off` for this transaction alone.
   * Visible to every reader at once either way, and kept if this process dies; a crash of the
   * server or the machine can lose the last such commits, never a part of one, and never one
   * that a synchronous commit followed (the WAL is flushed in order). For writes something else
   * rebuilds: a backtest's run (see relaxedCommits).
   */
  waitForDisk?: boolean;
}

export interface Store extends Queryable {
  readonly maskedUrl: string;
  readonly pool: pg.Pool;
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** A connection outside the pool, for LISTEN and session advisory locks. */
  connectClient(): Promise<pg.Client>;
  /** Closes the pool and stops the embedded server if this process started it. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  config: Config;
  logger: Logger;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Set: an embedded server this process starts is supervised (restarted when it dies) and
   * every death, restart or unrecoverable folder is reported here. Unset: not supervised.
   */
  onEmbeddedEvent?(event: EmbeddedEvent): void;
}

// int8 ids and counters fit in a double for any realistic lifetime; numeric prices and
// amounts are parsed as numbers too. xid8 (transaction ids) stays text, compared in SQL.
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function fixFor(usingEmbedded: boolean, maskedUrl: string): string {
  if (usingEmbedded) {
    return 'The embedded PostgreSQL started but refused the connection; remove the data folder (see dataDir) to reinitialise it.';
  }
  return `Check that PostgreSQL is running and reachable at ${maskedUrl} (e.g. \`pg_isready -d "$DATABASE_URL"\`), that the user and password are right, or unset DATABASE_URL to use the embedded database.`;
}

/** Creates `database`: asked only once a connection found it missing (see firstStatement). */
async function createDatabase(adminUrl: string, database: string, connectTimeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    await client
      .query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`)
      .catch((error: { code?: string }) => {
        // Another process created it since our connection found it missing.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
  } finally {
    await client.end();
  }
}

/**
 * The store's first statement. On the embedded server the `signet` database is created when the
 * connection finds it missing (a new cluster): asked of the server before every start, it cost a
 * connection of its own (≈ 50 ms: a backend's start and its authentication) on each (issue 23).
 */
async function firstStatement(
  store: Store,
  embedded: EmbeddedServer | undefined,
  connectTimeoutMs: number,
): Promise<void> {
  try {
    await store.query('SELECT 1');
    return;
  } catch (error) {
    if (!embedded || (error as { code?: string }).code !== missingDatabase) throw error;
  }
  try {
    await createDatabase(embedded.url, 'signet', connectTimeoutMs);
  } catch (error) {
    throw new StoreUnavailableError(`cannot create the signet database in the embedded PostgreSQL`, {
      maskedUrl: maskDatabaseUrl(embedded.url),
      cause: error,
      fix: fixFor(true, maskDatabaseUrl(embedded.url)),
    });
  }
  await store.query('SELECT 1');
}

/** SQLSTATE invalid_catalog_name: the connection names a database the server does not have. */
const missingDatabase = '3D000';

/** The pool's settings from `database` in signet.yaml: every store a process opens from its config takes them. */
export function poolSettings(database: DatabaseSection) {
  return {
    poolSize: database.poolSize,
    minimumConnections: database.minimumConnections,
    idleTimeoutMs: database.idleTimeoutMs,
    connectTimeoutMs: database.connectTimeoutMs,
    preparedStatements: database.preparedStatements,
  };
}

export function createStoreFromUrl(
  url: string,
  options: {
    poolSize: number;
    /** Connections kept open while unused (default poolSize; see database.minimumConnections). */
    minimumConnections?: number;
    /** How long a connection above the minimum may go unused before it closes (default 30 s; database.idleTimeoutMs). */
    idleTimeoutMs?: number;
    connectTimeoutMs: number;
    applicationName?: string;
    logger: Logger;
    onClose?: () => Promise<void>;
    /**
     * Prepare repeated statements on the server (default true; see prepared.ts). Off for a
     * connection pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).
     */
    preparedStatements?: boolean;
  },
): Store {
  const maskedUrl = maskDatabaseUrl(url);
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: options.applicationName ?? 'signet',
    types: typeParsers,
    // TCP keepalives (libpq's default, not node-postgres'): a connection kept while unused still
    // carries a packet every 10 s, so no firewall or NAT between here and the server drops it
    // unseen for idleness (node-postgres.com/apis/client, keepAliveInitialDelayMillis). Unix
    // sockets ignore it.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
  // pg-pool closes a connection unused for idleTimeoutMillis unless the pool holds no more than
  // `min` (node-postgres.com/apis/pool): a live cycle comes a bar after the last, often more
  // than 30 s, and found every connection but the heartbeat's closed, so each of its parallel
  // candidates opened one again (≈ 20–40 ms each here; issue 23). `min` opens none by itself.
  const pool = new pg.Pool(
    withFields(clientConfig, {
      max: options.poolSize,
      min: options.minimumConnections ?? options.poolSize,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    }),
  );
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (error) => options.logger.warn({ err: error.message }, 'idle database connection lost'));
  // The pool's connections still open: close waits for each to end before the server may stop.
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  let closed = false;
  const namer = new StatementNamer({ enabled: options.preparedStatements });
  const store: Store = {
    maskedUrl,
    pool,
    query: <Row extends Record<string, unknown>>(text: string, values?: unknown[]) =>
      pool.query(namer.config(text, values)) as unknown as Promise<QueryResultLike<Row>>,
    async transaction<T>(
      work: (tx: Queryable) => Promise<T>,
      transactionOptions?: TransactionOptions,
    ): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      // A connection that dies between two statements emits 'error' on the checked-out client,
      // where the pool listens no more; unheard, it would crash the process.
      const onError = (error: Error) => {
        broken = true;
        options.logger.warn({ err: error.message }, 'database connection lost inside a transaction');
      };
      client.on('error', onError);
      const tx: Queryable = {
        query: <Row extends Record<string, unknown>>(text: string, values?: unknown[]) =>
          client.query(namer.config(text, values)) as unknown as Promise<QueryResultLike<Row>>,
      };
      try {
        // Both statements in one round trip (the simple protocol takes several).
        await client.query(transactionOptions?.waitForDisk === false ? beginWithoutDiskWait : 'BEGIN');
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async connectClient() {
      const client = new pg.Client(clientConfig);
      await client.connect();
      return client;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      // pool.end() resolves once every connection is told to end, not once it has: an embedded
      // server stopped meanwhile killed a connection still closing, logged as "lost" on a clean exit.
      await connectionsEnded(open);
      await options.onClose?.();
    },
  };
  return store;
}

const beginWithoutDiskWait = 'BEGIN; SET LOCAL synchronous_commit TO off';

/**
 * The same store, every transaction of it committed without waiting for the disk (see
 * TransactionOptions.waitForDisk); its `query` and the rest are the store's own. For a backtest
 * run, whose orders, fills and positions a rerun rebuilds and whose last message commits
 * synchronously, making every earlier commit durable with it.
 */
export function relaxedCommits(store: Store): Store {
  return {
    get maskedUrl() {
      return store.maskedUrl;
    },
    get pool() {
      return store.pool;
    },
    query: (text, values) => store.query(text, values),
    transaction: (work, options) =>
      store.transaction(work, withFields(options ?? {}, { waitForDisk: false })),
    connectClient: () => store.connectClient(),
    close: () => store.close(),
  };
}

/** Resolves when every connection given has ended (at most a few seconds: a stuck socket must not hang close). */
function connectionsEnded(open: ReadonlySet<pg.PoolClient>): Promise<void> {
  if (open.size === 0) return Promise.resolve();
  const ended = Promise.all(
    [...open].map((client) => new Promise<void>((resolve) => client.once('end', () => resolve()))),
  );
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 3_000);
    timer.unref();
  });
  return Promise.race([ended.then(() => undefined), bound]).finally(() => clearTimeout(timer));
}

/** The same server and credentials, another database (the host may sit in the query: a socket). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Opens Signet's database: the PostgreSQL at DATABASE_URL, or else an embedded cluster under
 * the data folder. Fails with a StoreUnavailableError naming the masked URL and the fix.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { config, logger } = options;
  let url = config.secrets.databaseUrl?.reveal();
  let embedded: EmbeddedServer | undefined;
  if (!url) {
    const dir = path.resolve(config.dataPath, config.database.embeddedDir);
    embedded = await startEmbeddedPostgres({ dir, preferredPort: config.database.embeddedPort, logger });
    url = withDatabase(embedded.url, 'signet');
  }
  const store = createStoreFromUrl(
    url,
    withFields(poolSettings(config.database), {
      applicationName: options.applicationName,
      logger,
      onClose: embedded?.owned ? () => embedded.stop() : undefined,
    }),
  );
  const supervisor =
    embedded?.owned && options.onEmbeddedEvent
      ? superviseEmbedded(embedded, { logger, onEvent: options.onEmbeddedEvent })
      : undefined;
  if (supervisor) {
    // A clean close stops the server on purpose: the supervisor must not start it again.
    const close = store.close.bind(store);
    store.close = async () => {
      supervisor.stop();
      await close();
    };
  }
  try {
    await firstStatement(store, embedded, config.database.connectTimeoutMs);
  } catch (error) {
    await store.close();
    if (error instanceof StoreUnavailableError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(`cannot connect to the database at ${store.maskedUrl}: ${reason}`, {
      maskedUrl: store.maskedUrl,
      cause: error,
      fix: fixFor(embedded !== undefined, store.maskedUrl),
    });
  }
  if (options.migrate !== false) {
    try {
      await migrate(store, logger);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  logger.debug({ url: store.maskedUrl, embedded: embedded !== undefined }, 'database open');
  return store;
}
