import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const dayFile = path.resolve(repoRoot, 'data/2006-day-001.txt');
const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), 'signet-backtest-cli-'));

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

function writeCsv(name: string, lines: string[]): string {
  const file = path.join(scratch, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const header = 'Date,Open,High,Low,Close,Volume';

describe('signet backtest (real CLI process)', () => {
  it('exits non-zero naming a missing data file', async () => {
    const missing = path.join(scratch, 'nope.csv');
    const result = await signet(['--data', missing, '--no-db']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`cannot read ${missing}: no such file`);
  });

  it('exits non-zero naming file, line and field of a malformed row', async () => {
    const bad = writeCsv('bad.csv', [header, '2020-01-02,10,11,9,10.5,100', '2020-01-03,10,9,11,10,100']);
    const result = await signet(['--data', bad, '--no-db']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${bad}:3: field "High": High 9 is below Low 11`);
    const unordered = writeCsv('unordered.csv', [
      header,
      '2020-01-03,10,11,9,10.5,100',
      '2020-01-02,10,11,9,10,100',
    ]);
    const second = await signet(['--data', unordered, '--no-db']);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(
      `${unordered}:3: field "Date": date 2020-01-02 is before the row above it`,
    );
  });

  it('skips and reports bad rows with --skip-bad-rows', async () => {
    const lines = readFileSync(dayFile, 'utf8').trim().split('\n');
    lines.splice(10, 0, '2006-01-16,abc,1,1,1,0,0');
    const file = writeCsv('day-with-junk.csv', lines);
    const result = await signet([
      '--data',
      file,
      '--no-db',
      '--skip-bad-rows',
      '--fast',
      '5',
      '--slow',
      '20',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`skipped ${file}:11: field "Open": Open is not a number (value "abc")`);
    expect(JSON.parse(result.stdout).bars).toBe(255);
  });

  it('prints identical JSON for identical inputs, and writes a self-contained report', async () => {
    const args = [
      '--data',
      orclFile,
      '--strategy',
      'sma-cross',
      '--fast',
      '10',
      '--slow',
      '30',
      '--cash',
      '100000',
      '--commission',
      '0.001',
      '--no-db',
      '--json',
    ];
    const reportDir = path.join(scratch, 'report');
    const [first, second] = await Promise.all([signet(args), signet([...args, '--report', reportDir])]);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ symbols: ['ORCL'], bars: 5036, closedTrades: 96 });
    expect(Object.keys(report.metrics).sort()).toEqual(
      [
        'cagrPct',
        'exposurePct',
        'maxDrawdownPct',
        'profitFactor',
        'sharpe',
        'sortino',
        'totalReturnPct',
        'winRatePct',
      ].sort(),
    );
    const html = readFileSync(path.join(reportDir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const csv = readFileSync(path.join(reportDir, 'trades.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(97);
    const png = readFileSync(path.join(reportDir, 'equity.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});
