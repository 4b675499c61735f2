import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { walkableTempDir } from '../../test/support/temp.ts';
import { silentLogger } from '../logging/index.ts';
import { startEmbeddedPostgres } from './index.ts';

const root = walkableTempDir(path.join(tmpdir(), 'signet-embedded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('starts once, is reused by a second process, keeps its data across restarts, and stops cleanly', async () => {
    const dir = path.join(root, 'pg');
    const logger = silentLogger();
    const first = await startEmbeddedPostgres({ dir, preferredPort: 56001, logger });
    expect(first.owned).toBe(true);
    await scalar(first.url, 'CREATE TABLE kept (x int)');
    await scalar(first.url, 'INSERT INTO kept VALUES (42)');

    // Another process starting meanwhile finds it running and does not start a second server.
    const second = await startEmbeddedPostgres({ dir, preferredPort: 56001, logger });
    expect(second.owned).toBe(false);
    expect(second.port).toBe(first.port);
    await second.stop(); // not the owner: a no-op
    expect(await scalar(first.url, 'SELECT 1 AS one')).toEqual({ one: 1 });

    await first.stop();
    await first.stop(); // twice is safe
    expect(existsSync(path.join(first.dir, 'postmaster.pid'))).toBe(false);

    const again = await startEmbeddedPostgres({ dir, preferredPort: 56001, logger });
    expect(again.owned).toBe(true);
    // The stop was a clean (fast) shutdown: its checkpoint written, no crash recovery on start.
    const log = readFileSync(`${first.dir}.log`, 'utf8');
    expect(log).toContain('database system is shut down');
    expect(log).not.toContain('automatic recovery in progress');
    expect(await scalar(again.url, 'SELECT x FROM kept')).toEqual({ x: 42 });
    await again.stop();
  });

  it('picks another port when the preferred one is taken', async () => {
    const blocker = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => blocker.listen(56011, '127.0.0.1', () => resolve()));
    try {
      const server = await startEmbeddedPostgres({
        dir: path.join(root, 'pg2'),
        preferredPort: 56011,
        logger: silentLogger(),
        ephemeral: true,
      });
      expect(server.port).not.toBe(56011);
      expect(await scalar(server.url, 'SELECT 2 AS two')).toEqual({ two: 2 });
      // Off Windows the client speaks over the server's Unix socket, not loopback TCP.
      if (process.platform !== 'win32') {
        expect(new URL(server.url).searchParams.get('host')).toMatch(/^\//);
        expect(
          await scalar(server.url, "SELECT coalesce(inet_client_addr()::text, 'socket') AS via"),
        ).toEqual({
          via: 'socket',
        });
      }
      await server.stop();
    } finally {
      blocker.close();
    }
  });
});
