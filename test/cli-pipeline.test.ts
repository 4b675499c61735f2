import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configFileSchema, loadConfig } from '../src/config/index.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { runCli } from './support/processes.ts';
import { walkableTempDir } from './support/temp.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('signet init and explain', () => {
  it('init writes a commented config that parses to exactly the defaults, and will not overwrite', async () => {
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-init-'));
    const first = await runCli(['init'], { cwd: folder });
    expect(first.code).toBe(0);
    const file = path.join(folder, 'signet.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/# Secrets never go here/);
    expect(configFileSchema.parse(parseYaml(text))).toEqual(configFileSchema.parse({}));
    expect(loadConfig({ cwd: folder, env: {} }).source).toBe(file);
    const again = await runCli(['init'], { cwd: folder });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/exists already: pass --force/);
  });

  it('explain of an unknown id says what to give instead and exits ≠ 0', async () => {
    const result = await runCli(['explain', 'no-such-cycle'], {
      env: { DATABASE_URL: db.url, SIGNET_LOG_LEVEL: 'silent' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no order, cycle or message "no-such-cycle"/);
  });
});
