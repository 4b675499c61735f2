import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), 'signet-backtest-short-'));
const oracle = JSON.parse(
  readFileSync(path.resolve(repoRoot, 'src/backtest/oracle/sma-cross-short.json'), 'utf8'),
) as { finalValue: number; finalCash: number; trades: unknown[] };

async function signet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/signet.js', 'backtest', ...args], {
      cwd: repoRoot,
      env: { ...process.env, SIGNET_LOG_LEVEL: 'error' },
      maxBuffer: 20_000_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

describe('signet backtest --short --size (real CLI process)', () => {
  it('gives backtrader’s result for sma-cross reversing at 1000 shares, and a report marking shorts', async () => {
    const dir = path.join(scratch, 'report');
    const result = await signet([
      '--data',
      orclFile,
      '--symbols',
      'ORCL',
      '--strategy',
      'sma-cross',
      '--short',
      '--size',
      '1000',
      '--commission',
      '0.001',
      '--no-db',
      '--json',
      '--report',
      dir,
    ]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      finalValue: number;
      finalCash: number;
      closedTrades: number;
      settings: Record<string, unknown>;
      trades: Array<{ size: number }>;
    };
    expect(report.settings).toMatchObject({ size: 1000, short: true });
    // The report rounds money to cents; the unrounded figures are checked in sma-cross-short.test.ts.
    expect(Math.abs(report.finalValue - oracle.finalValue)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(report.finalCash - oracle.finalCash)).toBeLessThanOrEqual(0.005);
    expect(report.closedTrades).toBe(oracle.trades.length);
    // Reversals alternate sides; the first cross on ORCL is a death cross (1995-04-04).
    expect(report.trades.map((trade) => Math.sign(trade.size))).toEqual(
      report.trades.map((_, at) => (at % 2 === 0 ? -1 : 1)),
    );
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html.match(/class="entry short"/g)?.length).toBe(report.trades.filter((t) => t.size < 0).length);
    expect(html.match(/class="exit short"/g)?.length).toBe(report.trades.filter((t) => t.size < 0).length);
    expect(html).toContain('<title>sell short 1000 at ');
    expect(html).toContain('<title>buy to cover at ');
    expect(html).toContain('<td class="side">short</td>');
    const csv = readFileSync(path.join(dir, 'trades.csv'), 'utf8');
    expect(csv).toMatch(/\nORCL,1995-04-05,2\.333333,1995-05-12,[\d.]+,-1000,-41\.74,/);
  });

  it('refuses --short without --size, and --short on the full pipeline, naming the flag', async () => {
    const noSize = await signet(['--data', orclFile, '--short', '--no-db']);
    expect(noSize.code).not.toBe(0);
    expect(noSize.stderr).toContain('--short needs a fixed --size N');
    const full = await signet([
      '--data',
      orclFile,
      '--short',
      '--size',
      '10',
      '--pipeline',
      'full',
      '--no-db',
    ]);
    expect(full.code).not.toBe(0);
    expect(full.stderr).toContain('--size and --short run on the fast pipeline only');
  });
});
