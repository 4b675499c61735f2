import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { tmpdir, walkableTempDir } from '../../test/support/temp.ts';
import { Bus } from '../bus/index.ts';
import { type Config, loadConfig } from '../config/index.ts';
import { credentialFileFor, setUpOperatorCredential } from '../credential/index.ts';
import { silentLogger } from '../logging/index.ts';
import { haltFileFor } from '../watchdog/index.ts';
import { OperatorError, OperatorService } from './index.ts';

const logger = silentLogger();
let db: TestDatabase;
let bus: Bus;

beforeAll(async () => {
  db = await createTestDatabase();
  bus = new Bus({ store: db.store, logger });
});
afterAll(async () => {
  await bus.stop();
  await db.drop();
});

function freshConfig(): Config {
  const folder = walkableTempDir(path.join(tmpdir(), 'signet-operator-'));
  return loadConfig({
    file: '/dev/null',
    env: { SIGNET_OPERATOR_TOKEN: 'op-unit-token-0123456789abcd' },
    overrides: { dataDir: path.join(folder, 'state'), paths: { contextDir: path.join(folder, 'context') } },
  });
}

const operatorJournal = async () =>
  (
    await db.store.query<{ outcome: string; summary: Record<string, unknown> }>(
      "SELECT outcome, summary FROM agent_journal WHERE agent = 'operator' ORDER BY id",
    )
  ).rows;

describe('operator service', () => {
  it('refuses a level or reason that is not one, before writing anything', async () => {
    const operator = new OperatorService({ store: db.store, bus, config: freshConfig(), logger });
    await expect(operator.halt(5, 'too far', 'telegram')).rejects.toBeInstanceOf(OperatorError);
    await expect(operator.halt(2, '  ', 'telegram')).rejects.toMatchObject({ code: 'halt_no_reason' });
    expect(await operatorJournal()).toEqual([]);
  });

  it('flatten raises level 4, journaled with its channel; a lower halt afterwards does nothing and journals nothing', async () => {
    const config = freshConfig();
    const operator = new OperatorService({ store: db.store, bus, config, logger });
    const flattened = await operator.flatten('drawdown beyond what I accept', 'telegram');
    expect(flattened).toMatchObject({
      raised: true,
      databaseWritten: true,
      state: { level: 4, setBy: 'operator' },
    });
    expect(flattened.state.journalPath).toBe(flattened.journalPath);
    expect(await operator.journalText(flattened.journalPath ?? '')).toContain(
      'level 4 (flatten and lock) through the telegram: drawdown beyond what I accept',
    );
    const again = await operator.halt(2, 'no new entries please', 'api');
    expect(again).toMatchObject({ raised: false, journalPath: null, state: { level: 4 } });
    expect(await operatorJournal()).toMatchObject([
      { outcome: 'halted', summary: { by: 'telegram', level: 4 } },
    ]);
    const raised = await db.store.query<{ payload: { by: string; level: number } }>(
      "SELECT payload FROM agent_messages WHERE topic = 'halt.raised'",
    );
    expect(raised.rows.map((row) => row.payload)).toMatchObject([{ level: 4, by: 'telegram' }]);
    // The resume's checks are resumeTrading's: a wrong token changes nothing and journals nothing.
    const token = config.secrets.operatorToken;
    if (!token) throw new Error('the test config has an operator token');
    await setUpOperatorCredential(
      { db: db.store, file: credentialFileFor(config.dataPath) },
      token,
      'operator',
    );
    await expect(
      operator.resume({
        token: 'guess',
        acknowledgement: 'checked the broker twice',
        fromLevel: 4,
        by: 'telegram',
      }),
    ).rejects.toMatchObject({ code: 'resume_bad_token' });
    expect((await operator.currentHalt()).level).toBe(4);
    await db.store.query("DELETE FROM app_state WHERE key = 'halt'");
    await db.store.query('DELETE FROM operator_credential');
  });

  it('status: an unreadable halt is said, not hidden; the account is read once, complete or for display only', async () => {
    const config = freshConfig();
    const operator = new OperatorService({ store: db.store, bus, config, logger });
    expect((await operator.status()).account).toBeNull();
    await db.store.query(
      `INSERT INTO app_state (key, value, updated_by) VALUES ('account.paper', '{"equity": 1000, "cash": 400, "venueField": "x"}', 'brain')`,
    );
    const partial = await operator.status();
    // Incomplete for the watchdog, still shown to the operator with every stored field.
    expect(partial.account).toBeNull();
    expect(partial.accountFields).toMatchObject({ equity: 1000, cash: 400, venueField: 'x' });
    expect(partial.accountFields?.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await db.store.query(
      `UPDATE app_state SET value = '{"equity": 1000, "cash": 400, "highWaterMark": 1100, "dayStartEquity": 990, "positions": 1, "at": "2026-12-01T00:00:00Z"}' WHERE key = 'account.paper'`,
    );
    expect((await operator.status()).account).toMatchObject({ equity: 1000, highWaterMark: 1100 });
    await db.store.query(`UPDATE app_state SET value = '{"equity": "lots"}' WHERE key = 'account.paper'`);
    expect((await operator.status()).accountFields).toBeNull();
    await db.store.query("DELETE FROM app_state WHERE key = 'account.paper'");

    mkdirSync(config.dataPath, { recursive: true });
    writeFileSync(haltFileFor(config.dataPath), '{ not json');
    const unreadable = await operator.status();
    expect(unreadable.halt).toBeNull();
    expect(unreadable.haltError).toMatch(/JSON/);
  });
});
