import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { silentLogger } from '../../src/logging/index.ts';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/store/index.ts';
import { walkableTempDir } from './temp.ts';

/**
 * One PostgreSQL for the whole run: the server at DATABASE_URL when set (CI runs the storage
 * tests a second time that way), otherwise a throwaway embedded cluster. Each test file then
 * creates its own database on it (see database.ts).
 */
let embedded: EmbeddedServer | undefined;

/**
 * The run's own temp folder: every test file's worker (forked after this setup) and every
 * process a test starts inherit it as TMPDIR, so the folders tests make under `os.tmpdir()`
 * (journals, halt files, fake CLIs, clusters) go in it, and the teardown removes it whole.
 * A run left hundreds of `/tmp/signet-*` folders behind, on a machine whose disk can run low.
 */
let runTemp: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  runTemp = walkableTempDir(path.join(tmpdir(), 'signet-tests-'));
  process.env.TMPDIR = runTemp;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // /tmp is walkable by the postgres user, which runs the server when tests run as root.
    const dir = path.join(walkableTempDir(path.join(tmpdir(), 'signet-test-')), 'pg');
    embedded = await startEmbeddedPostgres({
      dir,
      preferredPort: 55432,
      logger: silentLogger(),
      ephemeral: true,
    });
    adminUrl = embedded.url;
  }
  project.provide('adminDatabaseUrl', adminUrl);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (runTemp) rmSync(runTemp, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
