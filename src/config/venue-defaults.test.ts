import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.ts';

const load = (overrides: Record<string, unknown>) =>
  loadConfig({ env: {}, file: '/dev/null', overrides: overrides as never });

describe('broker.kind switches the venue in one line', () => {
  it('paper (the default) keeps the sim feed and the accelerated clock', () => {
    const config = load({});
    expect([config.broker.kind, config.feed.kind, config.schedule.mode]).toEqual(['paper', 'sim', 'sim']);
  });

  it('alpaca, mt5 and ibkr bring their own bars and market mode', () => {
    for (const kind of ['alpaca', 'mt5', 'ibkr'] as const) {
      const config = load({ broker: { kind } });
      expect([config.feed.kind, config.schedule.mode]).toEqual([kind, 'market']);
    }
  });

  it('an explicit feed or mode is kept, and the mismatch is left for start to name', () => {
    const config = load({ broker: { kind: 'mt5' }, feed: { kind: 'csv' }, schedule: { mode: 'sim' } });
    expect([config.feed.kind, config.schedule.mode]).toEqual(['csv', 'sim']);
  });

  it('a malformed broker section is still named by the schema', () => {
    expect(() => load({ broker: { kind: 'mt4' } })).toThrow(/broker\.kind/);
  });
});
