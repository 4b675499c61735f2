import { readFileSync, rmSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { waitForLine } from './support/processes.ts';
import { exitOf, fastSimFolder, startSimBrain } from './support/sim-brain.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('decision files flushed behind, after a crash', () => {
  it('come back from their rows at the next start, and a clean stop flushes the rest', async () => {
    const folder = fastSimFolder('journal-crash', { bars: 600 });
    const context = path.join(folder, 'context');
    // First life: decides until its first order reaches the broker, then dies (SIGKILL) there.
    const first = startSimBrain(folder, db.url, { SIGNET_FAULT: 'after-order-submitted' });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      first.child.once('exit', (_code, killed) => resolve(killed)),
    );
    expect(signal, first.output()).toBe('SIGKILL');
    const rows = async () =>
      (
        await db.store.query<{ id: string; path: string; markdown: string }>(
          'SELECT id, path, markdown FROM agent_journal WHERE file_root = $1 ORDER BY id',
          [context],
        )
      ).rows;
    const written = await rows();
    expect(written.length).toBeGreaterThan(1);
    const marks = await db.store.query('SELECT 1 FROM journal_file_mark WHERE root = $1', [context]);
    expect(marks.rowCount).toBe(0);
    // What a power loss can do to files the kernel had not written back: gone, or cut short.
    const [torn, ...lost] = written;
    truncateSync(path.join(context, torn!.path), 10);
    for (const row of lost) rmSync(path.join(context, row.path));

    // Second life: the files come back before the run resumes; a clean stop flushes its own.
    const second = startSimBrain(folder, db.url);
    await waitForLine(second.child, 'Stop with Ctrl-C', 60_000);
    const exited = exitOf(second.child);
    second.child.kill('SIGINT');
    expect(await exited, second.output()).toBe('0/null');
    expect(second.output()).toContain('journal files written again from their rows');

    for (const row of written) expect(readFileSync(path.join(context, row.path), 'utf8')).toBe(row.markdown);
    const after = await rows();
    expect(after.length).toBeGreaterThanOrEqual(written.length);
    for (const row of after)
      expect(readFileSync(path.join(context, row.path), 'utf8').startsWith(row.markdown.trimEnd())).toBe(
        true,
      );
    const mark = await db.store.query<{ flushed_through: string }>(
      'SELECT flushed_through FROM journal_file_mark WHERE root = $1',
      [context],
    );
    expect(Number(mark.rows[0]?.flushed_through)).toBe(Number(after[after.length - 1]!.id));
  });
});
