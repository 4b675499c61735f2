import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { runCli } from '../../../test/support/processes.ts';
import { loadConfig } from '../../config/index.ts';
import { silentLogger } from '../../logging/index.ts';
import { type DoctorCheck, doctorChecks, runDoctor } from './doctor.ts';

let fake: AlpacaFake;
let database: TestDatabase;
let folder: string;

beforeAll(async () => {
  fake = await startAlpacaFake();
  fake.control.setBars('SPY', [{ t: '2026-11-20T05:00:00Z', o: 600, h: 605, l: 598, c: 603, v: 1_000_000 }]);
  database = await createTestDatabase();
  folder = await mkdtemp(path.join(tmpdir(), 'signet-doctor-'));
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    `broker:\n  kind: alpaca\n  alpaca:\n    tradingUrl: ${fake.baseUrl}\n    dataUrl: ${fake.baseUrl}\n    symbols: [SPY]\n    maxRetries: 0\n`,
  );
});
afterAll(async () => {
  await fake.close();
  await database.drop();
});

const env = (secret: string) => ({
  APCA_API_KEY_ID: fake.keyId,
  APCA_API_SECRET_KEY: secret,
  DATABASE_URL: database.url,
});

describe('signet doctor', () => {
  it('passes every check against a healthy database, broker and feed', async () => {
    const config = loadConfig({ cwd: folder, env: env(fake.secretKey) });
    const report = await runDoctor({ config, logger: silentLogger(), store: async () => database.store });
    expect(report.checks.map((check) => [check.name, check.status])).toEqual([
      ['database', 'ok'],
      ['broker', 'ok'],
      ['feed', 'ok'],
    ]);
    expect(report.ok).toBe(true);
  });

  it('says what is wrong and how to fix it, and exits non-zero, when the keys are refused', async () => {
    const result = await runCli(['doctor'], { cwd: folder, env: env('wrong-secret') });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/FAIL broker/);
    expect(result.stdout).toContain('fix: Set APCA_API_KEY_ID and APCA_API_SECRET_KEY');
    expect(result.stdout).not.toContain('wrong-secret');
  });

  it('runs checks added by other concerns', async () => {
    const extra: DoctorCheck = {
      name: 'llm',
      run: async () => ({ status: 'fail', detail: 'no route answers', fix: 'configure one' }),
    };
    const config = loadConfig({ cwd: folder, env: env(fake.secretKey) });
    const report = await runDoctor({ config, logger: silentLogger(), store: async () => database.store }, [
      ...doctorChecks,
      extra,
    ]);
    expect(report.ok).toBe(false);
    expect(report.checks.at(-1)).toMatchObject({ name: 'llm', status: 'fail', fix: 'configure one' });
  });
});
