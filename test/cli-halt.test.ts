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
    SIGNET_OPERATOR_TOKEN: 'op-secret-7d1f-0123456789abcdef',
  };
});
afterAll(async () => {
  await db.drop();
});

describe('signet halt, resume and status', () => {
  it('raises but never lowers by halt; resume needs the token and an acknowledgement', async () => {
    // The brain's first start sets the credential up; without a brain here, the explicit command does.
    const setUp = await runCli(['operator', 'set-up', '--label', 'ops-desk'], { env });
    expect(setUp.code, setUp.stderr).toBe(0);
    expect(setUp.stdout).toMatch(/operator credential set up for ops-desk/);
    const halted = await runCli(['halt', '--level', '2', '--reason', 'broker maintenance tonight'], { env });
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stdout).toMatch(/halt level 2 \(no new entries\): broker maintenance tonight/);
    const lower = await runCli(['halt', '--level', '1', '--reason', 'try to lower it'], { env });
    expect(lower.stdout).toMatch(/already at level 2/);
    const status = await runCli(['status', '--json'], { env });
    expect(JSON.parse(status.stdout).halt).toMatchObject({ level: 2, setBy: 'operator' });

    const noToken = await runCli(['resume', '--from-level', '2', '--ack', 'checked the broker is back up'], {
      env,
    });
    expect(noToken.code).not.toBe(0);
    expect(noToken.stdout).toMatch(/current halt level 2/);
    expect(noToken.stdout).toMatch(/broker maintenance tonight/); // the halt's journal entry is shown first
    expect(noToken.stderr).toMatch(/resume refused: the operator token is missing or wrong/);
    const wrongFile = path.join(folder, 'wrong-token');
    writeFileSync(wrongFile, 'guess\n');
    const wrong = await runCli(
      ['resume', '--from-level', '2', '--ack', 'checked the broker is back up', '--token-file', wrongFile],
      { env },
    );
    expect(wrong.stderr).toMatch(/missing or wrong/);
    const tokenFile = path.join(folder, 'token');
    writeFileSync(tokenFile, 'op-secret-7d1f-0123456789abcdef\n');
    const noAck = await runCli(['resume', '--from-level', '2', '--token-file', tokenFile], { env });
    expect(noAck.stderr).toMatch(/write what you checked/);
    const resumed = await runCli(
      ['resume', '--from-level', '2', '--ack', 'checked the broker is back up', '--token-file', tokenFile],
      { env },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed by ops-desk: halt level 0 \(was 2\)/);
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
    for (const output of [setUp, halted, lower, status, noToken, wrong, noAck, resumed, after]) {
      expect(output.stdout + output.stderr).not.toContain('op-secret-7d1f-0123456789abcdef');
    }
  });

  it("refuses a token that is not the operator's, whatever the caller's environment holds; the level stays", async () => {
    const raised = await runCli(['halt', '--level', '3', '--reason', 'reduce only while I look'], { env });
    expect(raised.code, raised.stderr).toBe(0);
    // The caller exports a token of their choosing and offers the same one: the stored hash decides.
    const chosen = 'attacker-chosen-token-0123456789';
    const chosenFile = path.join(folder, 'chosen-token');
    writeFileSync(chosenFile, `${chosen}\n`);
    const attempt = await runCli(
      ['resume', '--from-level', '3', '--ack', 'checked everything, trust me', '--token-file', chosenFile],
      { env: { ...env, SIGNET_OPERATOR_TOKEN: chosen, USER: 'operator' } },
    );
    expect(attempt.code).not.toBe(0);
    expect(attempt.stderr).toMatch(/resume refused: the operator token is missing or wrong/);
    // Nor can it set itself up over the existing credential.
    const setUp = await runCli(['operator', 'set-up'], { env: { ...env, SIGNET_OPERATOR_TOKEN: chosen } });
    expect(setUp.code).not.toBe(0);
    expect(setUp.stderr).toMatch(/set up already and this token is not it/);
    const status = await runCli(['status', '--json'], { env });
    expect(JSON.parse(status.stdout).halt).toMatchObject({ level: 3 });

    // Compare-and-set: the level seen must be the level in force.
    const tokenFile = path.join(folder, 'token');
    const stale = await runCli(
      ['resume', '--from-level', '2', '--ack', 'checked the broker is back up', '--token-file', tokenFile],
      { env },
    );
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toMatch(/the halt level is 3 now, not 2/);

    // Rotation needs the token in force; afterwards the old one no longer resumes.
    const newFile = path.join(folder, 'new-token');
    writeFileSync(newFile, 'rotated-operator-token-abcdefghijkl\n');
    const badRotation = await runCli(
      ['operator', 'rotate-token', '--old-token-file', chosenFile, '--new-token-file', newFile],
      { env },
    );
    expect(badRotation.stderr).toMatch(/rotation refused: the current operator token is wrong/);
    const rotated = await runCli(
      ['operator', 'rotate-token', '--old-token-file', tokenFile, '--new-token-file', newFile],
      { env },
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    const old = await runCli(
      ['resume', '--from-level', '3', '--ack', 'checked the broker is back up', '--token-file', tokenFile],
      { env },
    );
    expect(old.stderr).toMatch(/missing or wrong/);
    const resumed = await runCli(
      ['resume', '--from-level', '3', '--ack', 'checked the broker is back up', '--token-file', newFile],
      { env },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed by ops-desk: halt level 0 \(was 3\)/);
  });

  it('refuses an operator token shorter than 24 characters, naming the variable', async () => {
    const short = await runCli(['status'], { env: { ...env, SIGNET_OPERATOR_TOKEN: 'short-token' } });
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/SIGNET_OPERATOR_TOKEN is shorter than 24 characters/);
  });
});
