import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import { openVenue } from './venue.ts';

// Both refusals come before anything is connected: no database is needed to see them.
const unused = {} as Store;
const open = (env: Record<string, string>, broker: Record<string, unknown>) =>
  openVenue(loadConfig({ env, file: '/dev/null', overrides: { broker } as never }), {
    logger: silentLogger(),
    store: unused,
    liveConfirmed: false,
  });

describe('opening a market venue', () => {
  it('refuses MT5 without the EA token, naming the variable to set', async () => {
    await expect(open({}, { kind: 'mt5' })).rejects.toMatchObject({
      code: 'mt5_token_missing',
      fix: expect.stringContaining('SIGNET_MT5_TOKEN'),
    });
  });

  it('refuses Alpaca without symbols, naming the key', async () => {
    await expect(
      open({ APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' }, { kind: 'alpaca' }),
    ).rejects.toMatchObject({
      code: 'symbols_missing',
      fix: expect.stringContaining('broker.alpaca.symbols'),
    });
  });

  it('opens MT5 with the token: cycles on new bars, trading the symbols the EA posts', async () => {
    const venue = await open({ SIGNET_MT5_TOKEN: 'a-long-secret-0123456789ab' }, { kind: 'mt5' });
    expect(venue).toMatchObject({ runIdPrefix: 'mt5', symbols: [], timeframe: 'M5' });
    expect(venue.cycles).toEqual({ kind: 'new-bar', checkMs: 2_000, graceMs: 10_000 });
    await venue.stop();
  });
});
