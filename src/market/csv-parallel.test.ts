import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnsIn } from './columns.ts';
import { csvFeed, parseCsvBars } from './csv.ts';
import { type CsvWorkerReply, claimedCount, claimNext, newClaims, stopClaims } from './csv-claims.ts';
import { csvWorker, parseFiles } from './csv-parallel.ts';
import type { BarSeries, FeedResult } from './feed.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const real = ['orcl-1995-2014.txt', 'nvda-1999-2014.txt', 'yhoo-1996-2014.txt'].map((name) =>
  path.resolve(repoRoot, 'data', name),
);
let folder = '';
/** Twelve real files (the three in data/, four copies each), then one with a bad row. */
let files: string[] = [];
let badRowFile = '';

beforeAll(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'signet-csv-parallel-'));
  files = Array.from({ length: 12 }, (_, at) => {
    const file = path.join(folder, `s${String(at).padStart(2, '0')}-${path.basename(real[at % 3]!)}`);
    copyFileSync(real[at % 3]!, file);
    return file;
  });
  const lines = readFileSync(real[0]!, 'utf8').split('\n');
  lines[40] = '2001-02-30,1,2,0.5,1.5,1.5,100'; // no 30 February
  badRowFile = path.join(folder, 'bad-orcl.txt');
  writeFileSync(badRowFile, lines.join('\n'));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function columnsOf(series: BarSeries): number[][] {
  return [series.time, series.open, series.high, series.low, series.close, series.volume].map((column) => [
    ...column,
  ]);
}

function sameResult(left: FeedResult, right: FeedResult): void {
  expect(left.series.map((each) => each.symbol)).toEqual(right.series.map((each) => each.symbol));
  left.series.forEach((each, at) => {
    expect(columnsOf(each)).toEqual(columnsOf(right.series[at]!));
  });
  expect(left.skipped).toEqual(right.skipped);
}

async function failureOf(load: Promise<unknown>): Promise<string> {
  try {
    await load;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected the load to fail');
}

describe('CSV files parsed on two threads', () => {
  it('the worker parses the files it takes exactly as the main thread does (its own entry, run alone)', async () => {
    const claims = newClaims(files.length + 1);
    const all = [...files, badRowFile];
    const replies: CsvWorkerReply[] = [];
    const worker = csvWorker({ files: all, adjusted: false, claims });
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: CsvWorkerReply) => {
        replies.push(reply);
        if (reply.kind === 'done') resolve();
      });
      worker.on('error', reject);
    });
    await worker.terminate();
    // Nobody else claimed: the worker took every file, in order.
    expect(claimedCount(claims)).toBe(all.length);
    for (const [at, file] of files.entries()) {
      const reply = replies.find((each) => each.kind !== 'done' && each.at === at);
      expect(reply?.kind).toBe('parsed');
      if (reply?.kind !== 'parsed') continue;
      const expected = parseCsvBars(readFileSync(file), { source: file, symbol: 'X' }).series;
      const columns = columnsIn(reply.buffer, reply.capacity);
      expect(reply.count).toBe(expected.length);
      expect(
        columnsOf({ symbol: 'X', length: reply.count, ...columns }).map((column) =>
          column.slice(0, reply.count),
        ),
      ).toEqual(columnsOf(expected));
    }
    // A row with a problem: sent back for the main thread's full checks and message.
    expect(replies.find((each) => each.kind !== 'done' && each.at === files.length)).toEqual({
      kind: 'redo',
      at: files.length,
    });
  });

  it('shares the files out when the main thread is slow, and returns one outcome per file in order', async () => {
    const fromWorker: number[] = [];
    const claims = newClaims(files.length);
    const outcomes = await parseFiles(
      {
        files,
        adjusted: false,
        parallel: true,
        parseOnMain: (at) => {
          // The first file waits (20 s at most) until the worker has taken one: it starts while
          // files are left to take, however loaded the machine.
          const until = performance.now() + 20_000;
          while (at === 0 && claimedCount(claims) < 2 && performance.now() < until);
          return parseCsvBars(readFileSync(files[at]!), { source: files[at]!, symbol: `S${at}` }).series;
        },
        fromColumns: (at, columns, count) => {
          fromWorker.push(at);
          return { symbol: `S${at}`, length: count, ...columns };
        },
      },
      claims,
    );
    expect(fromWorker.length).toBeGreaterThan(0);
    expect(fromWorker.length).toBeLessThan(files.length);
    expect(outcomes).toHaveLength(files.length);
    outcomes.forEach((outcome, at) => {
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      const expected = parseCsvBars(readFileSync(files[at]!), {
        source: files[at]!,
        symbol: `S${at}`,
      }).series;
      expect(columnsOf(outcome.value).map((column) => column.slice(0, expected.length))).toEqual(
        columnsOf(expected),
      );
      expect(outcome.value.length).toBe(expected.length);
    });
  });

  it('a feed of many files gives the same series on two threads as on one', async () => {
    const load = (parallel: boolean) => csvFeed({ files, parallel }).load();
    sameResult(await load(true), await load(false));
  });

  it('skipped bad rows and the first error in file order read as on one thread', async () => {
    const withBad = [...files.slice(0, 5), badRowFile, ...files.slice(5)];
    const load = (parallel: boolean, skipBadRows: boolean) =>
      csvFeed({ files: withBad, parallel, skipBadRows }).load();
    sameResult(await load(true, true), await load(false, true));
    expect((await load(true, true)).skipped).toHaveLength(1);
    const oneThread = await failureOf(load(false, false));
    expect(oneThread).toContain('bad-orcl.txt:41');
    expect(await failureOf(load(true, false))).toBe(oneThread);
    // A missing file before the bad one is the error reported, as one thread reports it.
    const missing = [...files.slice(0, 2), path.join(folder, 'nope.csv'), ...withBad.slice(2)];
    const missingMessage = await failureOf(csvFeed({ files: missing, parallel: false }).load());
    expect(missingMessage).toContain('nope.csv: no such file');
    expect(await failureOf(csvFeed({ files: missing, parallel: true }).load())).toBe(missingMessage);
  });

  it('hands out each file once, in order, and none after a stop', () => {
    const claims = newClaims(3);
    expect([claimNext(claims), claimNext(claims), claimNext(claims)]).toEqual([0, 1, 2]);
    expect(claimNext(claims)).toBe(-1);
    expect(claimedCount(claims)).toBe(3);
    const stopped = newClaims(3);
    expect(claimNext(stopped)).toBe(0);
    stopClaims(stopped);
    expect(claimNext(stopped)).toBe(-1);
    expect(claimedCount(stopped)).toBe(1);
  });
});
