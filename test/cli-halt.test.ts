import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

let db: TestDatabase;
let folder: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await createTestDatabase();
  folder = walkableTempDir(path.join(tmpdir(), 'signet-halt-'));
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    `dataDir: ${path.join(folder, 'state')}\npaths: { contextDir: ${path.join(folder, 'context')} }\n`,
  );
  env = {
    DATABASE_URL: db.url,
    SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
    SIGNET_LOG_LEVEL: 'silent',
    SIGNET_OPERATOR_TOKEN: 'op-secret-7d1f',
  };
});
afterAll(async () => {
  await db.drop();
});

describe('signet halt, resume and status', () => {
  it('raises but never lowers by halt; resume needs the token and an acknowledgement', async () => {
    const halted = await runCli(['halt', '--level', '2', '--reason', 'broker maintenance tonight'], { env });
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stdout).toMatch(/halt level 2 \(no new entries\): broker maintenance tonight/);
    const lower = await runCli(['halt', '--level', '1', '--reason', 'try to lower it'], { env });
    expect(lower.stdout).toMatch(/already at level 2/);
    const status = await runCli(['status', '--json'], { env });
    expect(JSON.parse(status.stdout).halt).toMatchObject({ level: 2, setBy: 'operator' });

    const noToken = await runCli(['resume', '--ack', 'checked the broker is back up'], { env });
    expect(noToken.code).not.toBe(0);
    expect(noToken.stdout).toMatch(/current halt level 2/);
    expect(noToken.stdout).toMatch(/broker maintenance tonight/); // the halt's journal entry is shown first
    expect(noToken.stderr).toMatch(/resume refused: the operator token is missing or wrong/);
    const wrongFile = path.join(folder, 'wrong-token');
    writeFileSync(wrongFile, 'guess\n');
    const wrong = await runCli(
      ['resume', '--ack', 'checked the broker is back up', '--token-file', wrongFile],
      { env },
    );
    expect(wrong.stderr).toMatch(/missing or wrong/);
    const tokenFile = path.join(folder, 'token');
    writeFileSync(tokenFile, 'op-secret-7d1f\n');
    const noAck = await runCli(['resume', '--token-file', tokenFile], { env });
    expect(noAck.stderr).toMatch(/write what you checked/);
    const resumed = await runCli(
      ['resume', '--ack', 'checked the broker is back up', '--token-file', tokenFile],
      { env },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed: halt level 0 \(was 2\)/);
    const after = await runCli(['status'], { env });
    expect(after.stdout).toMatch(/halt: level 0 \(trading\)/);
    // Each invariant with its value and threshold (here: no broker of its own, the database is up).
    expect(after.stdout).toMatch(
      /invariants:\n {2}ok {4}database_reachable +reachable {2}\(threshold ≤ 15000 ms down\)/,
    );
    const messages = await db.store.query<{ topic: string; payload: { acknowledgement?: string } }>(
      "SELECT topic, payload FROM agent_messages WHERE topic LIKE 'halt.%' ORDER BY id",
    );
    expect(messages.rows.map((row) => row.topic)).toEqual(['halt.raised', 'halt.resumed']);
    expect(messages.rows[1]?.payload.acknowledgement).toBe('checked the broker is back up');
    const journal = await db.store.query<{ outcome: string }>(
      "SELECT outcome FROM agent_journal WHERE agent = 'operator' ORDER BY id",
    );
    expect(journal.rows.map((row) => row.outcome)).toEqual(['halted', 'resumed']);
    for (const output of [halted, lower, status, noToken, wrong, noAck, resumed, after]) {
      expect(output.stdout + output.stderr).not.toContain('op-secret-7d1f');
    }
  });
});
