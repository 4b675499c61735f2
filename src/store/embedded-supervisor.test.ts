import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { walkableTempDir } from '../../test/support/temp.ts';
import { silentLogger } from '../logging/index.ts';
import {
  type EmbeddedEvent,
  type EmbeddedServer,
  startEmbeddedPostgres,
  superviseEmbedded,
} from './index.ts';

const root = walkableTempDir(path.join(tmpdir(), 'signet-supervised-'));
const started: EmbeddedServer[] = [];
afterAll(async () => {
  for (const server of started) await server.stop().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

const postmasterPid = (dir: string) =>
  Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return check();
}

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

describe('the supervised embedded PostgreSQL (issue 19)', () => {
  it('is restarted after kill -9, with its data (crash recovery), and the death and restart reported', async () => {
    const logger = silentLogger();
    const server = await startEmbeddedPostgres({ dir: path.join(root, 'pg'), preferredPort: 56_150, logger });
    started.push(server);
    await scalar(server.url, 'CREATE TABLE kept (x int)');
    await scalar(server.url, 'INSERT INTO kept VALUES (7)');
    const events: EmbeddedEvent[] = [];
    const supervisor = superviseEmbedded(server, {
      logger,
      checkMs: 100,
      onEvent: (event) => events.push(event),
    });
    try {
      const before = postmasterPid(server.dir);
      process.kill(before, 'SIGKILL');
      expect(
        await until(() => events.some((event) => event.kind === 'restarted'), 5_000),
        JSON.stringify(events),
      ).toBe(true);
      expect(events.map((event) => event.kind)).toEqual(['died', 'restarted']);
      expect(postmasterPid(server.dir)).not.toBe(before);
      expect(await scalar(server.url, 'SELECT x FROM kept')).toEqual({ x: 7 });
    } finally {
      supervisor.stop();
    }
  }, 30_000);

  it('reports a data folder it cannot recover as unrecoverable, with the fix', async () => {
    const logger = silentLogger();
    const server = await startEmbeddedPostgres({
      dir: path.join(root, 'broken'),
      preferredPort: 56_160,
      logger,
    });
    started.push(server);
    const pid = postmasterPid(server.dir);
    process.kill(pid, 'SIGKILL');
    expect(await until(() => !alive(pid), 5_000)).toBe(true);
    // The cluster's control file is gone: PostgreSQL cannot start on this folder.
    rmSync(path.join(server.dir, 'global', 'pg_control'));
    const events: EmbeddedEvent[] = [];
    const supervisor = superviseEmbedded(server, {
      logger,
      checkMs: 100,
      onEvent: (event) => events.push(event),
    });
    try {
      expect(await until(() => events.some((event) => event.kind === 'unrecoverable'), 10_000)).toBe(true);
      const failure = events.find((event) => event.kind === 'unrecoverable');
      if (failure?.kind !== 'unrecoverable') throw new Error('no unrecoverable event');
      expect(failure.error.code).toBe('store_unavailable');
      expect(failure.error.message).toMatch(/cannot be recovered/);
      expect(failure.error.fix).toMatch(/Move .* aside/);
      // Reported once: the supervisor gives up rather than looping.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(events.filter((event) => event.kind === 'unrecoverable')).toHaveLength(1);
    } finally {
      supervisor.stop();
    }
  }, 30_000);
});
