import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { walkableTempDir } from '../../test/support/temp.ts';
import { loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { openStore, StoreUnavailableError, startEmbeddedPostgres } from './index.ts';
import { passwdAccount } from './postgres-account.ts';

const root = walkableTempDir(path.join(tmpdir(), 'signet-open-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function databases(adminUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname IN ('signet', 'postgres') ORDER BY datname",
    );
    return result.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

describe('openStore on the embedded server', () => {
  it('creates the signet database when the connection finds it missing, and opens straight into it after', async () => {
    const dataDir = path.join(root, 'state');
    // The embedded server whatever the run's DATABASE_URL: no secrets from the environment.
    const config = loadConfig({ overrides: { dataDir }, file: '/dev/null', env: {} });
    const logger = silentLogger();

    // A new cluster has no signet database: the first statement's 3D000 creates it.
    const first = await openStore({ config, logger, applicationName: 'open-store-test' });
    expect((await first.query<{ name: string }>('SELECT current_database() AS name')).rows).toEqual([
      { name: 'signet' },
    ]);
    // Migrated as before: the bus table is there.
    expect((await first.query('SELECT count(*)::int AS n FROM agent_messages')).rows).toEqual([{ n: 0 }]);
    await first.close();

    // Dropped meanwhile (an operator, a restore): created again, migrated again.
    const dir = path.resolve(config.dataPath, config.database.embeddedDir);
    const server = await startEmbeddedPostgres({ dir, preferredPort: config.database.embeddedPort, logger });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('DROP DATABASE signet');
    await admin.end();
    expect(await databases(server.url)).toEqual(['postgres']);
    // The server is running (not this store's to stop): openStore reuses it.
    const second = await openStore({ config, logger, applicationName: 'open-store-test' });
    expect(await databases(server.url)).toEqual(['postgres', 'signet']);
    expect((await second.query('SELECT count(*)::int AS n FROM agent_messages')).rows).toEqual([{ n: 0 }]);
    await second.close();

    // Any other failure of the first statement stands: a wrong password creates nothing.
    const credentials = `${dir}.credentials.json`;
    const kept = readFileSync(credentials, 'utf8');
    writeFileSync(credentials, JSON.stringify({ user: 'signet', password: 'not-the-password' }), {
      mode: 0o600,
    });
    try {
      const refused = openStore({ config, logger, applicationName: 'open-store-test' });
      await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(refused).rejects.toThrow(
        /cannot connect to the database .*password authentication failed/,
      );
    } finally {
      writeFileSync(credentials, kept, { mode: 0o600 });
    }
    await server.stop();
  });
});

describe('passwdAccount', () => {
  it("reads an account's user and primary group ids, as `id -u` and `id -g` print them", () => {
    const file = path.join(root, 'passwd');
    writeFileSync(
      file,
      [
        'root:x:0:0:root:/root:/bin/bash',
        'postgresql:x:120:130::/var/lib/postgresql:/bin/sh',
        'broken:x::7::/:/bin/sh',
        'postgres:x:105:109:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash',
        '',
      ].join('\n'),
    );
    expect(passwdAccount('postgres', file)).toEqual({ uid: 105, gid: 109 });
    // A name that is only a prefix of another is not that account; a line without ids is none.
    expect(passwdAccount('postgre', file)).toBeUndefined();
    expect(passwdAccount('broken', file)).toBeUndefined();
    expect(passwdAccount('postgres', path.join(root, 'missing'))).toBeUndefined();
  });
});
