import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../src/bus/index.ts';
import { loadConfig, pathsSectionSchema } from '../src/config/index.ts';
import { createIngressApp, simMarketView } from '../src/ingress/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

/**
 * A user's clone, with nothing beside it: the project's files (what git tracks, plus what it
 * would not ignore, so a change under test is included) copied into a fresh folder. Only the
 * installed node_modules is linked in, as `npm install` would have made it.
 */
function cloneWithNothingBeside(): string {
  const parent = walkableTempDir(path.join(tmpdir(), 'signet-clone-'));
  const clone = path.join(parent, 'signet');
  for (const file of projectFiles()) {
    const source = path.join(repoRoot, file);
    if (!existsSync(source)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    copyFileSync(source, path.join(clone, file));
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'));
  return clone;
}

/** The files a clone would get: git's list where this is a checkout, else the tree minus installs and run state. */
function projectFiles(): string[] {
  if (existsSync(path.join(repoRoot, '.git'))) {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 50_000_000,
    });
    return listed.split('\0').filter(Boolean);
  }
  const skipped = new Set([
    'node_modules',
    '.signet',
    'dist',
    'test-output',
    'coverage',
    path.join('context', 'journal'),
    path.join('context', 'reports'),
  ]);
  const walk = (dir: string): string[] =>
    readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) return skipped.has(entry.name) || skipped.has(relative) ? [] : walk(relative);
      return entry.isFile() ? [relative] : [];
    });
  return walk('');
}

let clone: string;
let database: TestDatabase;
const logger = silentLogger();

beforeAll(async () => {
  clone = cloneWithNothingBeside();
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('a clone with nothing beside it', () => {
  it('has no shared folder beside it, and the README backtest example runs there', () => {
    expect(readdirSync(path.dirname(clone))).toEqual(['signet']);
    const result = spawnSync(
      process.execPath,
      [
        'bin/signet.js',
        'backtest',
        '--data',
        'data/orcl-1995-2014.txt',
        '--strategy',
        'sma-cross',
        '--no-db',
      ],
      { cwd: clone, encoding: 'utf8', env: { ...process.env, SIGNET_LOG_LEVEL: 'error' } },
    );
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ORCL/);
    expect(result.stdout).toMatch(/trades?\b/i);
  });

  it('`--report` without a folder writes where the console reads, and the console lists it with no setting', async () => {
    const result = spawnSync(
      process.execPath,
      [
        'bin/signet.js',
        'backtest',
        '--data',
        'data/2006-day-001.txt',
        '--strategy',
        'sma-cross',
        '--no-db',
        '--run-id',
        'readme-example',
        '--report',
      ],
      { cwd: clone, encoding: 'utf8', env: { ...process.env, SIGNET_LOG_LEVEL: 'error' } },
    );
    expect(result.status).toBe(0);
    const folder = path.join(clone, 'context', 'reports', 'backtests', 'readme-example');
    expect(readdirSync(folder).sort()).toEqual(['equity.json', 'equity.png', 'report.html', 'trades.csv']);
    expect(result.stderr).toContain('Reports → readme-example/report.html');

    // The brain's ingress as `SIGNET_OPERATOR_TOKEN=… npm start` in the clone configures it: no signet.yaml.
    const token = 'op-token-for-tests-0123456789';
    const config = loadConfig({
      cwd: clone,
      env: { SIGNET_OPERATOR_TOKEN: token },
      overrides: { paths: pathsSectionSchema.parse({ contextDir: path.join(clone, 'context') }) },
    });
    expect(config.ingress.reportsDir).toBeUndefined();
    const bus = new Bus({ store: database.store, logger });
    const app = await createIngressApp({
      store: database.store,
      bus,
      config,
      logger,
      market: simMarketView(config.feed.sim, () => 100),
    });
    try {
      const headers = { authorization: `Bearer ${token}` };
      const listing = (await app.inject({ method: 'GET', url: '/api/v1/reports', headers })).json();
      expect(listing.files.map((file: { path: string }) => file.path).sort()).toEqual([
        'readme-example/equity.json',
        'readme-example/equity.png',
        'readme-example/report.html',
        'readme-example/trades.csv',
      ]);
      // Backtest reports sit below the optimizer's folder, but are not optimizer reports.
      expect(listing.optimizer).toEqual([]);
      const report = await app.inject({
        method: 'GET',
        url: '/api/v1/reports/file?path=readme-example/report.html',
        headers,
      });
      expect(report.statusCode).toBe(200);
      expect(report.body).toContain('<html');
    } finally {
      await app.close();
      await bus.stop();
    }
  });
});
