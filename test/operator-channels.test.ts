import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { type Config, loadConfig, Secret } from '../src/config/index.ts';
import { credentialFileFor, setUpOperatorCredential } from '../src/credential/index.ts';
import { beat } from '../src/heartbeats/index.ts';
import { createIngressApp } from '../src/ingress/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { checkInvariants } from '../src/watchdog/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

// One operator service behind every channel: what a halt or a resume leaves behind (journal
// entry, bus message, halt state) must not depend on whether it came from the CLI or the API.

const token = 'op-token-channels-5c2e-0123456';
const auth = { authorization: `Bearer ${token}` };
const logger = silentLogger();

let db: TestDatabase;
let folder: string;
let config: Config;
let env: NodeJS.ProcessEnv;
let bus: Bus;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  folder = walkableTempDir(path.join(tmpdir(), 'signet-channels-'));
  const file = path.join(folder, 'signet.yaml');
  writeFileSync(
    file,
    `dataDir: ${path.join(folder, 'state')}\npaths: { contextDir: ${path.join(folder, 'context')} }\ningress: { port: 0 }\n`,
  );
  env = {
    DATABASE_URL: db.url,
    SIGNET_CONFIG: file,
    SIGNET_LOG_LEVEL: 'silent',
    SIGNET_OPERATOR_TOKEN: token,
    USER: 'dana',
  };
  config = loadConfig({ file, env: { SIGNET_OPERATOR_TOKEN: token } });
  bus = new Bus({ store: db.store, logger });
  // Set up as the brain's first start does; resume records this label whoever runs it.
  await setUpOperatorCredential(
    { db: db.store, file: credentialFileFor(config.dataPath) },
    new Secret(token),
    'dana',
  );
  app = await createIngressApp({ store: db.store, bus, config, logger });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await bus?.stop();
  await db?.drop();
});

const post = (url: string, payload: object) =>
  app.inject({ method: 'POST', url, headers: auth, payload, remoteAddress: '127.0.0.1' });
const get = (url: string) => app.inject({ method: 'GET', url, headers: auth, remoteAddress: '127.0.0.1' });

type MessageRow = {
  from_agent: string;
  to_agent: string;
  topic: string;
  payload: Record<string, unknown>;
};
type JournalRow = {
  agent: string;
  outcome: string;
  decided_by: string;
  path: string;
  summary: Record<string, unknown>;
};

/** What one channel left behind, from the given message and journal ids on. */
async function trail(afterMessage: number, afterJournal: number) {
  const messages = await db.store.query<MessageRow & { id: string }>(
    "SELECT id, from_agent, to_agent, topic, payload FROM agent_messages WHERE topic LIKE 'halt.%' AND id > $1 ORDER BY id",
    [afterMessage],
  );
  const journal = await db.store.query<JournalRow & { id: string }>(
    'SELECT id, agent, outcome, decided_by, path, summary FROM agent_journal WHERE id > $1 ORDER BY id',
    [afterJournal],
  );
  return { messages: messages.rows, journal: journal.rows };
}

async function lastIds(): Promise<{ message: number; journal: number }> {
  const result = await db.store.query<{ message: string; journal: string }>(
    'SELECT (SELECT coalesce(max(id), 0) FROM agent_messages) AS message, (SELECT coalesce(max(id), 0) FROM agent_journal) AS journal',
  );
  return { message: Number(result.rows[0]?.message), journal: Number(result.rows[0]?.journal) };
}

/** A message without what differs by nature (when, which journal file) or by design (the channel). */
function comparable(message: MessageRow) {
  const { setAt: _setAt, at: _at, journalPath: _journalPath, by: _by, ...payload } = message.payload;
  return { from: message.from_agent, to: message.to_agent, topic: message.topic, payload };
}

const journalText = (entryPath: string, channel: string) =>
  readFileSync(path.join(config.paths.contextDir, entryPath), 'utf8')
    // Only the channel's name and the entry's own times may differ.
    .replaceAll(`the ${channel}`, 'the <channel>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<ts>')
    .replace(/\d{2}:\d{2}:\d{2}/g, '<time>');

describe('one operator service behind the CLI and the HTTP API', () => {
  it('a halt and a resume leave the same journal entries and bus messages from either channel, each naming its channel', async () => {
    const reason = 'broker feed looks wrong, checking';
    const acknowledgement = 'checked positions and stops at the broker';
    const tokenFile = path.join(folder, 'token');
    writeFileSync(tokenFile, `${token}\n`);

    const beforeCli = await lastIds();
    const halted = await runCli(['halt', '--level', '2', '--reason', reason], { env });
    expect(halted.code, halted.stderr).toBe(0);
    const resumed = await runCli(
      ['resume', '--from-level', '2', '--ack', acknowledgement, '--token-file', tokenFile],
      { env },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const cli = await trail(beforeCli.message, beforeCli.journal);

    const beforeApi = await lastIds();
    const raised = await post('/api/v1/halt', { level: 2, reason });
    expect(raised.statusCode).toBe(200);
    // The halt names its journal entry, so a resume from any channel can show it first.
    const haltedState = (await get('/api/v1/state')).json().halt;
    expect(haltedState.journalPath).toMatch(/^journal\/\d{4}-\d{2}-\d{2}\//);
    const resumedByApi = await post('/api/v1/resume', { token, acknowledgement, fromLevel: 2 });
    expect(resumedByApi.statusCode).toBe(200);
    const api = await trail(beforeApi.message, beforeApi.journal);

    expect(cli.messages.map((message) => message.topic)).toEqual(['halt.raised', 'halt.resumed']);
    expect(api.messages.map(comparable)).toEqual(cli.messages.map(comparable));
    expect(cli.messages.map((message) => message.payload.by)).toEqual(['cli', 'cli']);
    expect(api.messages.map((message) => message.payload.by)).toEqual(['api', 'api']);
    expect(api.messages[0]?.payload.journalPath).toBe(api.journal[0]?.path);
    expect(cli.messages[0]?.payload.journalPath).toBe(cli.journal[0]?.path);

    const shape = (row: JournalRow) => ({
      agent: row.agent,
      outcome: row.outcome,
      decidedBy: row.decided_by,
      summary: { ...row.summary, by: '<channel>' },
    });
    expect(cli.journal.map((row) => row.outcome)).toEqual(['halted', 'resumed']);
    expect(api.journal.map(shape)).toEqual(cli.journal.map(shape));
    expect(cli.journal.map((row) => row.summary.by)).toEqual(['cli', 'cli']);
    expect(api.journal.map((row) => row.summary.by)).toEqual(['api', 'api']);
    for (const [index, row] of api.journal.entries()) {
      const cliRow = cli.journal[index];
      if (!cliRow) throw new Error(`the CLI left no journal entry ${index}`);
      expect(journalText(row.path, 'api')).toBe(journalText(cliRow.path, 'cli'));
    }
  });

  it("calls a heartbeat stale at the watchdog's moment in the console, in `signet status` and in the invariants", async () => {
    // A minute promised: at 90 s everyone says ok; at 150 s (past 2×, short of the old 3×) everyone
    // says stale. Minutes, so the seconds a CLI process takes to start cannot tip a verdict.
    await beat(db.store, 'job:probe', 'job', 60_000);
    const verdicts = async () => {
      const state = (await get('/api/v1/state')).json() as {
        heartbeats: Array<{ name: string; stale: boolean }>;
      };
      const status = await runCli(['status', '--json'], { env });
      expect(status.code, status.stderr).toBe(0);
      const report = await checkInvariants({
        config,
        db: db.store,
        broker: undefined,
        databaseDownSince: null,
        now: Date.now(),
        highWaterMark: 0,
      });
      const console = state.heartbeats.find((each) => each.name === 'job:probe')?.stale;
      const cli = (
        JSON.parse(status.stdout) as { heartbeats: Array<{ name: string; stale: boolean }> }
      ).heartbeats.find((each) => each.name === 'job:probe')?.stale;
      const watchdog = report.results.find((result) => result.name === 'heartbeat:job:probe')?.ok === false;
      return { console, cli, watchdog };
    };
    await db.store.query("UPDATE heartbeats SET beat_at = now() - interval '90 seconds' WHERE name = $1", [
      'job:probe',
    ]);
    expect(await verdicts()).toEqual({ console: false, cli: false, watchdog: false });
    await db.store.query("UPDATE heartbeats SET beat_at = now() - interval '150 seconds' WHERE name = $1", [
      'job:probe',
    ]);
    expect(await verdicts()).toEqual({ console: true, cli: true, watchdog: true });
  });
});
