import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlpacaFake, startAlpacaFake } from '../../test/fakes/alpaca/server.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import { watchdogBroker, watchdogView } from './process.ts';

let fake: AlpacaFake;
let db: TestDatabase;
beforeAll(async () => {
  // The account accepts only the watchdog's key pair (the brain's was revoked, say).
  fake = await startAlpacaFake({ keyId: 'PKWATCHDOG', secretKey: 'watchdog-secret' });
  db = await createTestDatabase();
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

const configWith = (env: Record<string, string>) =>
  loadConfig({
    env: { APCA_API_KEY_ID: 'PKBRAIN', APCA_API_SECRET_KEY: 'brain-secret', ...env },
    file: '/dev/null',
    overrides: { broker: { kind: 'alpaca', alpaca: { tradingUrl: fake.baseUrl, maxRetries: 0 } } as never },
  });

describe('the watchdog’s own credentials', () => {
  it('reaches the broker with SIGNET_WATCHDOG_APCA_* when the brain’s keys are refused', async () => {
    const config = configWith({
      SIGNET_WATCHDOG_APCA_API_KEY_ID: 'PKWATCHDOG',
      SIGNET_WATCHDOG_APCA_API_SECRET_KEY: 'watchdog-secret',
    });
    const logger = silentLogger();
    await expect(watchdogBroker(config, logger, db.store)!.account()).rejects.toThrow();
    const account = await watchdogBroker(watchdogView(config), logger, db.store)!.account();
    expect(account.equity).toBeGreaterThan(0);
  });

  it('falls back to the brain’s keys when it has none, and refuses half a pair', () => {
    const plain = watchdogView(configWith({}));
    expect(plain.secrets.broker.alpacaKeyId?.reveal()).toBe('PKBRAIN');
    expect(() => configWith({ SIGNET_WATCHDOG_APCA_API_KEY_ID: 'PKWATCHDOG' })).toThrow(
      /SIGNET_WATCHDOG_APCA_API_SECRET_KEY is not set/,
    );
  });
});
