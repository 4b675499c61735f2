import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { LlmLedgerError } from './errors.ts';
import type { LedgerEntry } from './ledger.ts';
import { LedgerWriter } from './ledger-writer.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const entry = (attempt: number, cycleId: string): LedgerEntry => ({
  route: 'r',
  routeKind: 'openai-compatible',
  model: 'm',
  agent: 'strategist',
  skill: 'strategist',
  cycleId,
  requestHash: `h${attempt}`,
  attempt,
  inputTokens: 10 * attempt,
  outputTokens: 1,
  cachedTokens: 0,
  costMicroUsd: 5,
  costIsNotional: true,
  latencyMs: 1.4,
  outcome: 'ok',
  errorClass: undefined,
});

function counting(queryable: Queryable): Queryable & { statements: number } {
  const wrapped = {
    statements: 0,
    query: ((text: string, values?: unknown[]) => {
      wrapped.statements += 1;
      return queryable.query(text, values);
    }) as Queryable['query'],
  };
  return wrapped;
}

describe('the LLM ledger writer batches the rows queued behind a statement', () => {
  it('writes every row, in call order, in fewer statements than rows', async () => {
    const store = counting(db.store);
    const writer = new LedgerWriter(store, silentLogger());
    const written = Array.from({ length: 7 }, (_, at) => writer.write(entry(at + 1, 'batch')));
    await writer.settle();
    await Promise.all(written);
    expect(writer.pending).toBe(0);
    const rows = await db.store.query<{
      attempt: number;
      input_tokens: number;
      latency_ms: number;
      cost_is_notional: boolean;
    }>(
      "SELECT attempt, input_tokens, latency_ms, cost_is_notional FROM llm_cost_ledger WHERE cycle_id = 'batch' ORDER BY id",
    );
    expect(rows.rows.map((row) => row.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows.rows[6]).toEqual({ attempt: 7, input_tokens: 70, latency_ms: 1, cost_is_notional: true });
    // Written in the same turn, the seven rows go in one statement.
    expect(store.statements).toBe(1);
    // A row queued while a statement is in flight rides with the next one.
    const first = writer.write(entry(8, 'batch'));
    await Promise.resolve();
    await Promise.resolve();
    const second = [writer.write(entry(9, 'batch')), writer.write(entry(10, 'batch'))];
    await Promise.all([first, ...second, writer.settle()]);
    const all = await db.store.query<{ attempt: number }>(
      "SELECT attempt FROM llm_cost_ledger WHERE cycle_id = 'batch' ORDER BY id",
    );
    expect(all.rows.map((row) => row.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(store.statements).toBeLessThanOrEqual(3);
  });

  it('gathers the rows of calls answered milliseconds apart into one statement; settle writes them at once', async () => {
    const store = counting(db.store);
    const writer = new LedgerWriter(store, silentLogger(), 50);
    // A candidate's calls answered at once (a replay, a local model): a few milliseconds apart.
    const written = [writer.write(entry(1, 'window'))];
    await new Promise((resolve) => setTimeout(resolve, 5));
    written.push(writer.write(entry(2, 'window')));
    await new Promise((resolve) => setTimeout(resolve, 5));
    written.push(writer.write(entry(3, 'window')));
    await Promise.all(written);
    expect(store.statements).toBe(1);
    // A window that would outlast the test: settle (before an order, at a cycle's end) does not wait for it.
    const patient = new LedgerWriter(store, silentLogger(), 3_600_000);
    const late = patient.write(entry(4, 'window'));
    await patient.settle();
    await late;
    const rows = await db.store.query<{ attempt: number }>(
      "SELECT attempt FROM llm_cost_ledger WHERE cycle_id = 'window' ORDER BY id",
    );
    expect(rows.rows.map((row) => row.attempt)).toEqual([1, 2, 3, 4]);
    expect(store.statements).toBe(2);
  });

  it('counts every row of a failed statement as lost, and the next settle fails (fail closed)', async () => {
    const failing: Queryable = { query: () => Promise.reject(new Error('connection refused')) };
    const writer = new LedgerWriter(failing, silentLogger());
    const written = [
      writer.write(entry(1, 'lost')),
      writer.write(entry(2, 'lost')),
      writer.write(entry(3, 'lost')),
    ];
    await Promise.all(written);
    const settled = writer.settle();
    await expect(settled).rejects.toBeInstanceOf(LlmLedgerError);
    await expect(settled).rejects.toThrow(/^3 LLM cost ledger row\(s\) could not be written/);
    await expect(writer.settle()).resolves.toBeUndefined();
  });
});
