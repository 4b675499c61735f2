import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { Bus } from '../bus/index.ts';
import { silentLogger } from '../logging/index.ts';
import { SkillRegistry } from './registry.ts';
import { skillText } from './testing.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

it('publishes skills.invalid and skills.reloaded on the bus', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'signet-skills-bus-'));
  const bus = new Bus({ store: database.store, logger: silentLogger() });
  await mkdir(path.join(dir, 'alpha'));
  const file = path.join(dir, 'alpha', 'SKILL.md');
  await writeFile(file, skillText({ name: 'alpha' }));
  const registry = await SkillRegistry.load({ dir, logger: silentLogger(), bus });
  try {
    await writeFile(file, skillText({ name: 'alpha', version: '1.1.0', inputsSection: null }));
    await registry.rescan();
    await writeFile(file, skillText({ name: 'alpha', version: '1.1.0' }));
    await registry.rescan();
    const deadline = Date.now() + 5_000;
    let rows: Array<{ topic: string; payload: Record<string, unknown> }> = [];
    while (rows.length < 2 && Date.now() < deadline) {
      rows = (
        await database.store.query<{ topic: string; payload: Record<string, unknown> }>(
          `SELECT topic, payload FROM agent_messages WHERE topic LIKE 'skills.%' ORDER BY topic`,
        )
      ).rows;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(rows).toEqual([
      {
        topic: 'skills.invalid',
        payload: {
          event: 'invalid',
          name: 'alpha',
          file,
          reason: 'missing section "## Inputs"',
          keptVersion: '1.0.0',
        },
      },
      {
        topic: 'skills.reloaded',
        payload: { event: 'reloaded', name: 'alpha', version: '1.1.0', previousVersion: '1.0.0', file },
      },
    ]);
  } finally {
    await registry.close();
    await bus.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
