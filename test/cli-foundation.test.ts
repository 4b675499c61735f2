import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { testCatalog } from './support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli, waitForLine } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';
import { waitFor } from './support/wait.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('signet CLI (foundation)', () => {
  it('db status and migrate report every migration as applied, as text and JSON', async () => {
    const env = { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' };
    const text = await runCli(['db', 'status'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('all migrations applied');
    expect(text.stdout).not.toContain(new URL(db.url).password || 'no-password-in-url');
    const json = await runCli(['db', 'migrate', '--json'], { env });
    const parsed = JSON.parse(json.stdout) as {
      appliedNow: number[];
      migrations: Array<{ appliedAt: string | null }>;
    };
    expect(parsed.appliedNow).toEqual([]);
    expect(parsed.migrations.every((row) => row.appliedAt !== null)).toBe(true);
  });

  it('bus tail shows parked messages with their error; replay prints a window as JSON', async () => {
    const bus = new Bus({
      catalog: testCatalog,
      store: db.store,
      logger: silentLogger(),
      settings: { maxAttempts: 1, pollIntervalMs: 100 },
    });
    const poison = await bus.publish({
      fromAgent: 'test',
      toAgent: 'any',
      topic: 'cli.poison',
      cycleId: 'cy-cli',
      payload: { n: 1 },
    });
    await bus.subscribe('cli-fragile', ['cli.poison'], () => {
      throw new Error('handler exploded on purpose');
    });
    await waitFor(async () => (await bus.parked()).length === 1, 'the message to be parked');
    await bus.stop();
    const env = { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' };
    const tail = await runCli(['bus', 'tail', '--no-follow', '-n', '10'], { env });
    expect(tail.code).toBe(0);
    expect(tail.stdout).toContain(
      `PARKED #${poison.id} cli.poison consumer=cli-fragile attempts=1 error=handler exploded on purpose`,
    );
    expect(tail.stdout).toMatch(/PARKED bus\.parked bus→operator/);

    const from = new Date(poison.ts.getTime() - 1_000).toISOString();
    const replay = await runCli(['bus', 'replay', '--from', from, '--cycle', 'cy-cli', '--json'], { env });
    const messages = JSON.parse(replay.stdout) as Array<{ id: number; topic: string }>;
    expect(messages.map((each) => each.topic)).toEqual(['cli.poison', 'bus.parked']);
    const bad = await runCli(['bus', 'replay', '--from', 'yesterday-ish'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--from "yesterday-ish" is not a date/);
  });

  it('start runs the embedded database and the brain, says where things are, and stops cleanly', async () => {
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-start-'));
    const configFile = path.join(folder, 'signet.yaml');
    writeFileSync(
      configFile,
      // The default market and seed, replayed faster: the first order comes on the same bar as in a default run.
      `dataDir: ${path.join(folder, 'state')}\nlogLevel: warn\ndatabase:\n  embeddedPort: 56101\ningress: { port: 0 }\nschedule: { barIntervalMs: 200 }\n`,
    );
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const env: NodeJS.ProcessEnv = { ...process.env, SIGNET_CONFIG: configFile };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/signet.js'), 'start'], {
      cwd: folder,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await waitForLine(child, 'Stop with Ctrl-C', 60_000);
    // Off Windows the embedded server is reached over its Unix socket (the folder in `host`).
    expect(stdout).toMatch(
      /database : postgres:\/\/signet:\*\*\*\*\*@127\.0\.0\.1:\d+\/signet(\?host=%2F\S+)? \(embedded\)/,
    );
    expect(stdout).toContain(`config   : ${configFile}`);
    expect(stdout).toContain('explain  : npx signet explain <order id | cycle id>');
    // The status line counts who actually decided (no route configured: never "llm" decisions).
    await waitFor(() => /\] equity .* halt \d /.test(stdout), 'a status line', 30_000);
    expect(stdout).toMatch(/\] equity .* halt 0 llm 0 fallback \d+ failed 0 \| /);
    // Sim messages carry bar time (2015); system.started carries the wall clock of this start.
    const started = await runCli(
      ['bus', 'replay', '--from', startedAt, '--topic', 'system.started', '--json'],
      {
        env: { SIGNET_CONFIG: configFile, DATABASE_URL: '' },
      },
    );
    const startedMessages = JSON.parse(started.stdout) as Array<{ topic: string; payload: { mode: string } }>;
    expect(startedMessages.map((message) => [message.topic, message.payload.mode])).toEqual([
      ['system.started', 'sim'],
    ]);
    // The first order says where to read about it: the explain command works, the journal file exists.
    await waitFor(
      () => /\n {2}\S+-executed\.md\n/.test(stdout),
      'the first order and its journal file',
      60_000,
    );
    const orderId = /first order: \w+ (sg-[0-9a-f]+)/.exec(stdout)?.[1];
    expect(orderId).toBeDefined();
    expect(stdout).toContain(`  npx signet explain ${orderId}`);
    const journalFile = /\n {2}(\S+-executed\.md)\n/.exec(stdout)?.[1];
    expect(existsSync(path.resolve(folder, journalFile!))).toBe(true);
    const explained = await runCli(['explain', orderId!], {
      env: { SIGNET_CONFIG: configFile, DATABASE_URL: '' },
      cwd: folder,
    });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain(orderId);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(path.join(folder, 'state', 'pg', 'postmaster.pid'))).toBe(false);
  });
});
