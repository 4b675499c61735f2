import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBacktest, runBacktestJob } from '../src/backtest/index.ts';
import { drawIds } from '../src/bus/index.ts';
import { ValidationError } from '../src/errors/index.ts';
import { csvFeed } from '../src/market/index.ts';
import { copyMessageLog, writeMessageLog } from '../src/pipeline/index.ts';
import { SmaCross } from '../src/strategies/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

interface Row extends Record<string, unknown> {
  id: number;
  ts: Date;
  from_agent: string;
  to_agent: string;
  topic: string;
  cycle_id: string | null;
  causation_id: number | null;
  payload: unknown;
  signatures: unknown;
}

/** The rows of ids, in id order, with each cause named by its position in that order. */
async function rowsOf(ids: Map<number, number>): Promise<unknown[]> {
  const wanted = [...ids.values()];
  const result = await database.store.query<Row>(
    'SELECT * FROM agent_messages WHERE id = ANY($1::bigint[]) ORDER BY id',
    [wanted],
  );
  const position = new Map(result.rows.map((row, at) => [Number(row.id), at]));
  return result.rows.map((row) => ({
    ts: new Date(row.ts).toISOString(),
    from: row.from_agent,
    to: row.to_agent,
    topic: row.topic,
    cycle: row.cycle_id,
    cause: row.causation_id === null ? null : position.get(Number(row.causation_id)),
    payload: row.payload,
    signatures: row.signatures,
  }));
}

it('writes the same rows in the same order with COPY as with the bulk insert', async () => {
  const files = ['orcl-1995-2014.txt', '2006-day-001.txt'].map((name) =>
    path.resolve(repoRoot, 'data', name),
  );
  const { series } = await csvFeed({ files }).load();
  // Brackets and exits on signal: proposals, orders, fills, cancellations and exits (four causal levels).
  const run = runBacktest({
    series,
    strategy: new SmaCross({ fast: 10, slow: 30 }),
    settings: { cash: 100_000, commission: 0.001, stopPct: 0.08, takeProfitPct: 0.25, exitOnSignal: true },
    runId: 'bt-copy-test',
  });
  const inserted = await database.store.transaction((tx) => writeMessageLog(tx, run.messages));
  const client = await database.store.connectClient();
  let copied: Map<number, number>;
  try {
    await client.query('BEGIN');
    copied = await copyMessageLog(client, run.messages);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  expect(copied.size).toBe(run.messages.length);
  const topics = new Set(run.messages.map((message) => message.topic));
  expect(topics.size).toBeGreaterThanOrEqual(6);
  // Ids follow causal depth: every cause has a smaller id than its effect.
  for (const message of run.messages) {
    if (message.causedBy !== null)
      expect(copied.get(message.causedBy)!).toBeLessThan(copied.get(message.ref)!);
  }
  const before = await rowsOf(inserted);
  const after = await rowsOf(copied);
  expect(after).toHaveLength(run.messages.length);
  expect(after).toEqual(before);
});

it('escapes text COPY would read as a delimiter, a line end or an escape', async () => {
  const client = await database.store.connectClient();
  const payload = { text: 'tab\there\nnew line \\ back\\slash \r and "quotes" ünï' };
  let ids: Map<number, number>;
  try {
    await client.query('BEGIN');
    ids = await copyMessageLog(client, [
      {
        ref: 1,
        fromAgent: 'backtest',
        toAgent: 'bus',
        topic: 'backtest.started',
        cycleId: 'a\tb',
        causedBy: null,
        payload,
        time: Date.UTC(2020, 0, 2),
      },
    ]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  const [row] = (await rowsOf(ids)) as { cycle: string; payload: unknown }[];
  expect(row?.cycle).toBe('a\tb');
  expect(row?.payload).toEqual(payload);
});

it('fails on bad data before writing, and hands its connection back', async () => {
  const before = await database.store.query<{ n: number }>('SELECT count(*)::int AS n FROM agent_messages');
  await expect(
    runBacktestJob(
      { feed: 'csv', files: [path.resolve(repoRoot, 'data/no-such-file.csv')], runId: 'bt-missing' },
      { database: async () => database.store },
    ),
  ).rejects.toThrow(/no such file/);
  const after = await database.store.query<{ n: number }>('SELECT count(*)::int AS n FROM agent_messages');
  expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  // Every connection the job took went back: the pool holds none checked out.
  expect(database.store.pool.totalCount - database.store.pool.idleCount).toBe(0);
});

it('fails the COPY on a bad message past the first chunk: nothing is written, the connection goes on', async () => {
  const before = await database.store.query<{ n: number }>('SELECT count(*)::int AS n FROM agent_messages');
  // Enough rows that the first chunks have gone to Postgres before the bad message is reached.
  const good = Array.from({ length: 3_000 }, (_, at) => ({
    ref: at + 1,
    fromAgent: 'backtest',
    toAgent: 'bus',
    topic: 'backtest.started' as const,
    cycleId: 'bt-copy-fail',
    causedBy: null,
    payload: { at, note: 'x'.repeat(100) },
    time: Date.UTC(2020, 0, 2) + at,
  }));
  const bad = { ...good[0]!, ref: 3_001, fromAgent: 'Not An Agent' };
  const client = await database.store.connectClient();
  try {
    await client.query('BEGIN');
    const error = await copyMessageLog(client, [...good, bad]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/envelope\.fromAgent/);
    await client.query('ROLLBACK');
    // The connection is back at ReadyForQuery: the next statement runs.
    const after = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM agent_messages');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  } finally {
    await client.end();
  }
});

it('draws ids as runs: every id once, ascending, even while another session draws', async () => {
  const other = await database.store.connectClient();
  try {
    // Two sessions drawing at once interleave their nextval calls: each answer has several runs.
    const [mine, theirs] = await Promise.all([drawIds(database.store, 40_000), drawIds(other, 40_000)]);
    for (const ids of [mine, theirs]) {
      expect(ids).toHaveLength(40_000);
      expect(ids.every((id, at) => at === 0 || id > ids[at - 1]!)).toBe(true);
    }
    const both = new Set([...mine, ...theirs]);
    expect(both.size).toBe(80_000);
  } finally {
    await other.end();
  }
});
