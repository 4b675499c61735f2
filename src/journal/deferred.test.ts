import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalTestBed } from '../../test/support/journal-bed.ts';
import { DeferredJournal, type JournalEntryInput, JournalWriteError, writeJournalEntry } from './index.ts';

const bed = journalTestBed('signet-deferred-journal-');
const freshRoot = () => bed.freshRoot();

function entry(day: number, outcome: 'no_trade' | 'vetoed', messageId: number): JournalEntryInput {
  return {
    ts: new Date(Date.UTC(2013, 0, day, 21)),
    cycleId: `run-1/2013-01-${String(day).padStart(2, '0')}`,
    symbol: 'ORCL',
    agent: 'strategist',
    outcome,
    decidedBy: 'fallback',
    proposal: { decision: 'no_trade', rationale: 'fallback: sma-cross gives no entry on this bar' },
    stance: { regime: 'ranging', bias: 'neutral', riskMultiplier: 0.6 },
    notes: ['regime: decided by the deterministic fallback (no LLM route is configured)'],
    messageId,
    // A summary of its own: a row given another's summary fails the comparison below.
    summary: { message: messageId, quote: 'a "quoted" note' },
  };
}

/** An executed entry with every part the renderer writes: signatures, the broker, inputs as seen. */
function executedEntry(day: number, messageId: number): JournalEntryInput {
  return {
    ...entry(day, 'no_trade', messageId),
    outcome: 'executed',
    proposal: {
      decision: 'enter',
      side: 'buy',
      qty: 12,
      limit: -0,
      rationale: 'ünïcode — "quoted" \\ slash',
    },
    signatures: [
      {
        signer: 'risk-gate',
        verdict: 'sign',
        reasons: ['within limits'],
        decidedBy: 'code',
        at: '2013-01-04T21:00:00.000Z',
      },
      {
        signer: 'fact-checker',
        verdict: 'sign',
        reasons: [],
        decidedBy: 'fallback',
        at: '2013-01-04T21:00:00.001Z',
      },
    ],
    inputs: {
      strategist: {
        bars: [[1, 2.5, null], { close: 27.125, nested: { deep: [true, false] } }],
        symbol: 'ORCL',
      },
      regime: { indicators: { sma50: 1e-7, atr: 123456789.125 } },
    },
    broker: {
      status: 'submitted',
      broker: 'paper',
      clientOrderId: 'sg-1',
      details: { legs: ['sg-1.sl', 'sg-1.tp'] },
    },
    clientOrderId: 'sg-1',
  };
}

interface Row extends Record<string, unknown> {
  path: string;
  outcome: string;
  message_id: string;
  cycle_id: string;
}

describe('the deferred journal of a backtest', () => {
  it.each([
    ['on the main thread (from the sources, by default)', undefined],
    ["on the placer's thread (the compiled CLI's default)", true],
  ])(
    'writes the same files and rows as writeJournalEntry, rows in one statement at flush, in order, rendering %s',
    async (_how, renderOnThread) => {
      const direct = await freshRoot();
      const deferredRoot = await freshRoot();
      // Same second, symbol and outcome twice: the collision suffixes follow the order written.
      // The deferred journal's thread renders what writeJournalEntry renders on the main thread.
      const entries = [
        entry(2, 'no_trade', 11),
        entry(2, 'no_trade', 12),
        entry(3, 'vetoed', 13),
        executedEntry(4, 14),
      ];
      const directPaths: string[] = [];
      for (const each of entries)
        directPaths.push((await writeJournalEntry(each, { db: bed.store, root: direct })).path);

      const journal = new DeferredJournal({ db: bed.store, root: deferredRoot, renderOnThread });
      const before = await bed.store.query('SELECT count(*)::int AS n FROM agent_journal');
      for (const each of entries) await journal.write(each);
      expect(journal.pending).toBe(4);
      const held = await bed.store.query('SELECT count(*)::int AS n FROM agent_journal');
      expect(held.rows[0]).toEqual(before.rows[0]);
      await journal.flush();
      await journal.close();
      expect(journal.pending).toBe(0);

      const rows = (
        await bed.store.query<Row>(
          'SELECT path, outcome, message_id, cycle_id FROM agent_journal WHERE id > $1 ORDER BY id',
          [0],
        )
      ).rows.slice(-4);
      expect(rows.map((row) => row.path)).toEqual(directPaths);
      expect(rows.map((row) => Number(row.message_id))).toEqual([11, 12, 13, 14]);
      // Every column, the summary's JSON included, as the one-by-one writes stored it.
      const columns =
        'ts, cycle_id, symbol, agent, outcome, decided_by, client_order_id, message_id, path, summary';
      const all = (
        await bed.store.query<{ summary: { message?: number } }>(
          `SELECT ${columns} FROM agent_journal ORDER BY id DESC LIMIT 8`,
        )
      ).rows.reverse();
      expect(all.slice(4)).toEqual(all.slice(0, 4));
      expect(all.slice(4).map((row) => row.summary.message)).toEqual([11, 12, 13, 14]);
      expect(directPaths[1]).toBe('journal/2013-01-02/21-00-00-ORCL-no_trade-2.md');
      for (const relative of directPaths) {
        expect(await readFile(path.join(deferredRoot, relative), 'utf8')).toBe(
          await readFile(path.join(direct, relative), 'utf8'),
        );
      }
      // Files placed atomically: no temp file is left behind.
      expect((await readdir(path.join(deferredRoot, 'journal/2013-01-02'))).sort()).toEqual([
        '21-00-00-ORCL-no_trade-2.md',
        '21-00-00-ORCL-no_trade.md',
      ]);
    },
  );

  it('flushes behind the run: later entries wait for the next flush, which also throws a failure behind', async () => {
    const root = await freshRoot();
    const journal = new DeferredJournal({ db: bed.store, root });
    try {
      await journal.write(entry(9, 'no_trade', 21));
      journal.flushBehind();
      expect(journal.pending).toBe(0);
      // The flush behind is waiting for its file when the next entry comes (held, not yet sent
      // to the placer): it must not wait for that one too, or the run would hang.
      await new Promise((resolve) => setImmediate(resolve));
      await journal.write(entry(10, 'vetoed', 22));
      expect(journal.pending).toBe(1);
      await journal.flush();
      const rows = await bed.store.query<Row>(
        "SELECT message_id FROM agent_journal WHERE cycle_id IN ('run-1/2013-01-09', 'run-1/2013-01-10') ORDER BY id",
      );
      expect(rows.rows.map((row) => Number(row.message_id))).toEqual([21, 22]);
    } finally {
      await journal.close();
    }
    const blocker = path.join(await freshRoot(), 'a-file');
    await writeFile(blocker, 'not a folder');
    const failing = new DeferredJournal({ db: bed.store, root: path.join(blocker, 'root') });
    try {
      await failing.write(entry(11, 'no_trade', 23));
      failing.flushBehind();
      await expect(failing.flush()).rejects.toBeInstanceOf(JournalWriteError);
    } finally {
      await failing.close();
    }
  });

  it('stores a lone surrogate in a cycle id as U+FFFD, as the one-row insert does', async () => {
    const lone = { ...entry(12, 'no_trade', 31), cycleId: 'run-1/\udc00-lone' };
    await writeJournalEntry(lone, { db: bed.store, root: await freshRoot() });
    const journal = new DeferredJournal({ db: bed.store, root: await freshRoot() });
    try {
      await journal.write({ ...lone, messageId: 32 });
      await journal.flush();
    } finally {
      await journal.close();
    }
    const rows = await bed.store.query<Row>(
      'SELECT cycle_id FROM agent_journal WHERE message_id IN (31, 32) ORDER BY message_id',
    );
    expect(rows.rows.map((row) => row.cycle_id)).toEqual(['run-1/\ufffd-lone', 'run-1/\ufffd-lone']);
  });

  it('makes a day folder again when it was removed after the first entry', async () => {
    const root = await freshRoot();
    const journal = new DeferredJournal({ db: bed.store, root });
    try {
      await journal.write(entry(7, 'no_trade', 17));
      await journal.flush();
      await rm(path.join(root, 'journal/2013-01-07'), { recursive: true });
      await journal.write(entry(7, 'vetoed', 18));
      await journal.flush();
      expect(await readdir(path.join(root, 'journal/2013-01-07'))).toEqual(['21-00-00-ORCL-vetoed.md']);
    } finally {
      await journal.close();
    }
  });

  it('refuses an invalid entry when it is written, naming the field', async () => {
    const journal = new DeferredJournal({ db: bed.store, root: await freshRoot() });
    try {
      await expect(journal.write({ ...entry(5, 'no_trade', 15), agent: 'Not Valid' })).rejects.toThrow(
        /journal\.agent/,
      );
      expect(journal.pending).toBe(0);
    } finally {
      await journal.close();
    }
  });

  it('fails its flush, inserting no row, and every later write when a file cannot be placed', async () => {
    // A root under a plain file: its folder cannot be made (ENOTDIR).
    const blocker = path.join(await freshRoot(), 'a-file');
    await writeFile(blocker, 'not a folder');
    const journal = new DeferredJournal({ db: bed.store, root: path.join(blocker, 'root') });
    try {
      const before = await bed.store.query('SELECT count(*)::int AS n FROM agent_journal');
      await journal.write(entry(6, 'no_trade', 16));
      const failure = await journal.flush().then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(JournalWriteError);
      expect((failure as JournalWriteError).message).toMatch(
        /cannot write journal file .*journal\/2013-01-06\/21-00-00-ORCL-no_trade\.md \(ENOTDIR\)/,
      );
      await expect(journal.write(entry(8, 'no_trade', 19))).rejects.toBe(failure);
      await expect(journal.flush()).rejects.toBe(failure);
      const after = await bed.store.query('SELECT count(*)::int AS n FROM agent_journal');
      expect(after.rows[0]).toEqual(before.rows[0]);
    } finally {
      await journal.close();
    }
  });
});
