import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface JournalTestBed {
  /** The test file's own migrated database (made before its tests). */
  readonly store: Store;
  /** A new empty context folder, removed after the file's tests. */
  freshRoot(): Promise<string>;
}

/** A journal test file's database and context folders: made before its tests, removed after them. */
export function journalTestBed(prefix: string): JournalTestBed {
  let database: TestDatabase | undefined;
  const roots: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    await Promise.all(roots.map((each) => rm(each, { recursive: true, force: true })));
  });
  return {
    get store(): Store {
      if (!database) throw new Error('the test database is made in beforeAll: use it inside a test');
      return database.store;
    },
    async freshRoot() {
      const root = await mkdtemp(path.join(tmpdir(), prefix));
      roots.push(root);
      return root;
    },
  };
}
