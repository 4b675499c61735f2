import { readFile, truncate, unlink, writeFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { journalTestBed } from '../../test/support/journal-bed.ts';
import {
  appendJournalResolution,
  flushJournalFiles,
  type JournalEntryInput,
  renderJournalMarkdown,
  repairJournalFiles,
  writeJournalEntry,
  writeJournalEntryFlushedBehind,
} from './index.ts';
import { journalEntrySchema } from './schema.ts';

const bed = journalTestBed('signet-journal-behind-');
let root: string;

beforeEach(async () => {
  root = await bed.freshRoot();
});

function entry(second: number, symbol = 'AAPL'): JournalEntryInput {
  return {
    ts: new Date(Date.UTC(2026, 10, 21, 14, 30, second)),
    cycleId: `cycle-${second}`,
    symbol,
    agent: 'pipeline',
    outcome: 'no_trade',
    decidedBy: 'fallback',
    proposal: null,
    stance: { regime: 'range', bias: 'flat' },
    signatures: [],
    inputs: { strategist: { symbol } },
    notes: [`second ${second}`],
    broker: null,
  };
}

async function mark(folder: string): Promise<number | null> {
  const { rows } = await bed.store.query<{ flushed_through: string }>(
    'SELECT flushed_through FROM journal_file_mark WHERE root = $1',
    [folder],
  );
  return rows[0] ? Number(rows[0].flushed_through) : null;
}

async function row(id: number): Promise<{ markdown: string | null; file_root: string | null; path: string }> {
  const { rows } = await bed.store.query<{
    markdown: string | null;
    file_root: string | null;
    path: string;
  }>('SELECT markdown, file_root, path FROM agent_journal WHERE id = $1', [id]);
  return rows[0]!;
}

describe('writeJournalEntryFlushedBehind', () => {
  it('writes the same file as the flushed writer, and a row that holds the markdown and the folder', async () => {
    const written = await writeJournalEntryFlushedBehind(entry(1), { db: bed.store, root });
    const other = await bed.freshRoot();
    const flushed = await writeJournalEntry(entry(1), { db: bed.store, root: other });
    expect(written.path).toBe(flushed.path);
    const text = await readFile(written.file, 'utf8');
    expect(text).toBe(await readFile(flushed.file, 'utf8'));
    expect(text).toBe(renderJournalMarkdown(journalEntrySchema.parse(entry(1))));
    expect(await row(written.id)).toEqual({ markdown: text, file_root: root, path: written.path });
    // The flushed writer's row needs no repair: neither column is set.
    expect(await row(flushed.id)).toMatchObject({ markdown: null, file_root: null });
  });

  it('writes entries journaled together in one statement, each row with its own markdown', async () => {
    const written = await Promise.all(
      ['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA'].map((symbol) =>
        writeJournalEntryFlushedBehind(entry(9, symbol), { db: bed.store, root }),
      ),
    );
    const ids = written.map((each) => each.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const each of written)
      expect(await row(each.id)).toEqual({
        markdown: await readFile(each.file, 'utf8'),
        file_root: root,
        path: each.path,
      });
  });

  it('moves the folder mark to the last row once its files are flushed', async () => {
    const first = await writeJournalEntryFlushedBehind(entry(2), { db: bed.store, root });
    const second = await writeJournalEntryFlushedBehind(entry(3), { db: bed.store, root });
    expect(second.id).toBeGreaterThan(first.id);
    expect(await mark(root)).toBeNull();
    await flushJournalFiles(bed.store);
    expect(await mark(root)).toBe(second.id);
    expect(await repairJournalFiles({ db: bed.store, root })).toEqual({ checked: 0, rewritten: [] });
  });

  it('flushes past a file removed meanwhile (on purpose: nothing to flush, nothing to retry)', async () => {
    const removed = await writeJournalEntryFlushedBehind(entry(7), { db: bed.store, root });
    const kept = await writeJournalEntryFlushedBehind(entry(8), { db: bed.store, root });
    await unlink(removed.file);
    await flushJournalFiles(bed.store);
    expect(await mark(root)).toBe(kept.id);
  });

  it('flushes by itself the files old enough, and only those', async () => {
    const flushTiming = { olderThanMs: 1_500, checkEveryMs: 50 };
    const first = await writeJournalEntryFlushedBehind(entry(4), { db: bed.store, root, flushTiming });
    const second = await writeJournalEntryFlushedBehind(entry(5), { db: bed.store, root, flushTiming });
    await vi.waitFor(async () => expect(await mark(root)).toBe(second.id), { timeout: 5_000, interval: 20 });
    expect(second.id).toBeGreaterThan(first.id);
    const third = await writeJournalEntryFlushedBehind(entry(6), { db: bed.store, root, flushTiming });
    // Younger than 1.5 s: not flushed yet.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await mark(root)).toBe(second.id);
    await vi.waitFor(async () => expect(await mark(root)).toBe(third.id), { timeout: 5_000, interval: 20 });
  });
});

describe('repairJournalFiles', () => {
  it('writes lost and torn files again from their rows, leaves whole ones and appended resolutions, then moves the mark', async () => {
    const lost = await writeJournalEntryFlushedBehind(entry(10), { db: bed.store, root });
    const torn = await writeJournalEntryFlushedBehind(entry(11), { db: bed.store, root });
    const empty = await writeJournalEntryFlushedBehind(entry(12), { db: bed.store, root });
    const whole = await writeJournalEntryFlushedBehind(entry(13), { db: bed.store, root });
    const resolved = await writeJournalEntryFlushedBehind(entry(14), { db: bed.store, root });
    const texts = new Map<string, string>();
    for (const each of [lost, torn, empty, whole]) texts.set(each.path, await readFile(each.file, 'utf8'));
    await appendJournalResolution(
      resolved.path,
      { at: new Date('2026-11-22T10:00:00Z'), label: 'exit', fields: { exitPrice: 190 } },
      { root },
    );
    const resolvedText = await readFile(resolved.file, 'utf8');
    // What a power loss can leave of files never flushed: none, a part, or an empty one.
    await unlink(lost.file);
    await truncate(torn.file, 40);
    await writeFile(empty.file, '');

    const report = await repairJournalFiles({ db: bed.store, root });

    expect(report).toEqual({ checked: 5, rewritten: [lost.path, torn.path, empty.path] });
    for (const each of [lost, torn, empty, whole])
      expect(await readFile(each.file, 'utf8')).toBe(texts.get(each.path));
    expect(await readFile(resolved.file, 'utf8')).toBe(resolvedText);
    expect(await mark(root)).toBe(resolved.id);
    expect(await repairJournalFiles({ db: bed.store, root })).toEqual({ checked: 0, rewritten: [] });
  });

  it("writes no other folder's rows into this one", async () => {
    const elsewhere = await bed.freshRoot();
    const theirs = await writeJournalEntryFlushedBehind(entry(20), { db: bed.store, root: elsewhere });
    await unlink(theirs.file);
    expect(await repairJournalFiles({ db: bed.store, root })).toEqual({ checked: 0, rewritten: [] });
    const report = await repairJournalFiles({ db: bed.store, root: elsewhere });
    expect(report.rewritten).toEqual([theirs.path]);
    expect(await readFile(theirs.file, 'utf8')).toContain('second 20');
  });
});
