import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalFiles } from './file-worker.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'signet-file-worker-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `count` small files in the folder, as decisions placed without their flush leave them. */
async function unflushedFiles(count: number): Promise<string[]> {
  const files = Array.from({ length: count }, (_, index) => path.join(dir, `entry-${index}.md`));
  await Promise.all(files.map((file, index) => writeFile(file, `# entry ${index}\n`)));
  return files;
}

describe('the journal file worker', () => {
  it('places a decision posted during a long flush before that flush ends', async () => {
    const files = await unflushedFiles(1_500);
    const finished: string[] = [];
    const flushed = journalFiles.flush(files, [dir]).then(() => finished.push('flush'));
    const placed = journalFiles
      .place(dir, 'decision', '# a decision\n', false)
      .then((name) => finished.push(`place ${name}`));
    await Promise.all([flushed, placed]);
    expect(finished).toEqual(['place decision.md', 'flush']);
    expect(await readFile(path.join(dir, 'decision.md'), 'utf8')).toBe('# a decision\n');
  });

  it('rests between slices of a flush asked to', async () => {
    // 40 files in slices of 8: four rests of 25 ms between five slices.
    const files = await unflushedFiles(40);
    const started = performance.now();
    await journalFiles.flush(files, [dir], 25);
    // Node may fire a timer up to a millisecond early: four rests take at least 4 × 24 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(96);
  });

  it('fails a flush on a file it cannot open, naming it, and goes on placing', async () => {
    const files = await unflushedFiles(3);
    // A path under a file: ENOTDIR, not a file removed on purpose (ENOENT, passed over).
    await expect(
      journalFiles.flush([...files, path.join(dir, 'entry-0.md', 'inside')], [dir]),
    ).rejects.toThrow(/entry-0\.md\/inside/);
    expect(await journalFiles.place(dir, 'after', '# after\n', false)).toBe('after.md');
  });
});
