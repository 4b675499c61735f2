import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentRuntime } from '../src/agents/index.ts';
import { loadBacktestBars } from '../src/backtest/index.ts';
import { Bus } from '../src/bus/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { JournalWriteError } from '../src/journal/index.ts';
import { runPipelineBacktest } from '../src/runtime/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../src/skills/index.ts';
import { logger } from './optimizer-support.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

let db: TestDatabase | undefined;
let skills: SkillRegistry | undefined;
afterAll(async () => {
  skills?.close();
  await db?.drop();
});

describe('the full-pipeline backtest whose journal files cannot be placed', () => {
  it('fails, and publishes no backtest.completed', async () => {
    db = await createTestDatabase();
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-bt-journal-fail-'));
    // The journal's root under a plain file: no day folder can be made (ENOTDIR), on the placer's thread.
    const blocker = path.join(folder, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const config = loadConfig({ overrides: { dataDir: path.join(folder, 'state') }, file: '/dev/null' });
    const bus = new Bus({ store: db.store, logger });
    skills = await SkillRegistry.load({ dir: shippedSkillsDir(), logger });
    const agents: AgentRuntime = {
      skills,
      llm: undefined,
      philosophy: await loadPhilosophy(shippedPhilosophyFile()),
      logger,
    };
    const { series } = await loadBacktestBars({
      feed: 'csv',
      files: [path.resolve(repoRoot, 'data/orcl-1995-2014.txt')],
      symbols: ['ORCL'],
      from: Date.parse('2014-06-01'),
    });
    try {
      const run = runPipelineBacktest({
        config,
        store: db.store,
        bus,
        logger,
        agents,
        series,
        runId: 'bt-journal-fail',
        warmupBars: 60,
        journalRoot: path.join(blocker, 'run'),
        deciders: 'fallback sma-cross',
      });
      await expect(run).rejects.toBeInstanceOf(JournalWriteError);
      await expect(run).rejects.toThrow(/cannot write journal file .*ENOTDIR/);
    } finally {
      await bus.stop();
    }
    const completed = await db.store.query(
      `SELECT 1 FROM agent_messages WHERE topic = 'backtest.completed' AND payload->>'runId' = 'bt-journal-fail'`,
    );
    expect(completed.rowCount).toBe(0);
    const started = await db.store.query(
      `SELECT 1 FROM agent_messages WHERE topic = 'backtest.started' AND payload->>'runId' = 'bt-journal-fail'`,
    );
    expect(started.rowCount).toBe(1);
    const rows = await db.store.query('SELECT 1 FROM agent_journal');
    expect(rows.rowCount).toBe(0);
  });
});
