export {
  createStoreFromUrl,
  type OpenStoreOptions,
  openStore,
  poolSettings,
  relaxedCommits,
  type Store,
  type TransactionOptions,
  withDatabase,
} from './connection.ts';
export { type EmbeddedServer, startEmbeddedPostgres } from './embedded.ts';
export { type EmbeddedEvent, type EmbeddedSupervisor, superviseEmbedded } from './embedded-supervisor.ts';
export { isConnectionError, MigrationError, StoreUnavailableError } from './errors.ts';
export { GroupWriter, type GroupWriterOptions } from './group-writer.ts';
export { loadMigrations, type Migration, type MigrationStatus, migrate, migrationStatus } from './migrate.ts';
export type { Queryable, QueryResultLike } from './queryable.ts';
export { WriteChain } from './write-chain.ts';
export { runWrites, type SqlWrite, writesAsCtes } from './writes.ts';
