import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalWriteError } from './errors.ts';
import { JournalPlacer, journalRenderer } from './placer.ts';
import { renderJournalMarkdown } from './render.ts';
import { type JournalEntry, journalEntrySchema } from './schema.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'signet-placer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (symbol: string): JournalEntry =>
  journalEntrySchema.parse({
    ts: new Date(Date.UTC(2013, 0, 2, 21)),
    cycleId: 'run-1/2013-01-02',
    symbol,
    agent: 'strategist',
    outcome: 'no_trade',
    decidedBy: 'fallback',
    proposal: { decision: 'no_trade', rationale: 'fallback: no entry' },
    inputs: { strategist: { closes: [27.5, -0, 1e21], note: 'line one\nline two' } },
  });

describe('the journal placer of a backtest', () => {
  it('renders an entry on its thread as the main thread renders it, beside files given as text', async () => {
    // From the sources: the thread loads tsx's loader, then the renderer's sources.
    const placer = new JournalPlacer({ renderer: journalRenderer() });
    try {
      const first = entry('ORCL');
      const second = entry('MSFT');
      expect(placer.place(dir, 'rendered', first)).toBe(0);
      expect(placer.place(dir, 'text', 'as given\n')).toBe(1);
      expect(placer.place(dir, 'rendered', second)).toBe(2);
      expect(await placer.placed()).toEqual(['rendered.md', 'text.md', 'rendered-2.md']);
      expect(await readFile(path.join(dir, 'rendered.md'), 'utf8')).toBe(renderJournalMarkdown(first));
      expect(await readFile(path.join(dir, 'text.md'), 'utf8')).toBe('as given\n');
      expect(await readFile(path.join(dir, 'rendered-2.md'), 'utf8')).toBe(renderJournalMarkdown(second));
    } finally {
      await placer.close();
    }
  });

  it('refuses an entry when its thread renders none', async () => {
    const placer = new JournalPlacer();
    try {
      expect(placer.renders).toBe(false);
      expect(() => placer.place(dir, 'rendered', entry('ORCL'))).toThrow(/renders no entry/);
      placer.place(dir, 'text', 'as given\n');
      expect(await placer.placed()).toEqual(['text.md']);
    } finally {
      await placer.close();
    }
  });

  it('fails with the file it could not render when its renderer cannot be loaded, placing nothing', async () => {
    const missing = pathToFileURL(path.join(dir, 'no-such-renderer.js')).href;
    const placer = new JournalPlacer({ renderer: { module: missing, loader: null } });
    try {
      placer.place(dir, 'rendered', entry('ORCL'));
      const failure = await placer.placed().then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(JournalWriteError);
      expect((failure as JournalWriteError).message).toMatch(/rendered\.md/);
      expect(String((failure as JournalWriteError).cause)).toMatch(
        /journal renderer could not be loaded.*no-such-renderer/,
      );
      expect(await readdir(dir)).toEqual([]);
      // Every later file fails with the same error, text or entry.
      expect(() => placer.place(dir, 'text', 'as given\n')).toThrow(failure as Error);
    } finally {
      await placer.close();
    }
  });
});
