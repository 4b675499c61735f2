import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.ts';

const load = (env: NodeJS.ProcessEnv, overrides: Record<string, unknown> = {}) =>
  loadConfig({ env, file: '/dev/null', overrides: overrides as never });

describe('shared tokens have a minimum length', () => {
  it('refuses a short operator or EA token, naming the variable it came from', () => {
    expect(() => load({ SIGNET_OPERATOR_TOKEN: 'x'.repeat(23) })).toThrow(
      /SIGNET_OPERATOR_TOKEN is shorter than 24 characters/,
    );
    expect(() => load({ SIGNET_MT5_TOKEN: 'bridge' })).toThrow(
      /SIGNET_MT5_TOKEN is shorter than 24 characters/,
    );
    expect(() =>
      load({ MY_EA_TOKEN: 'bridge' }, { broker: { kind: 'mt5', mt5: { tokenEnv: 'MY_EA_TOKEN' } } }),
    ).toThrow(/MY_EA_TOKEN is shorter/);
    const fine = load({ SIGNET_OPERATOR_TOKEN: 'x'.repeat(24), SIGNET_MT5_TOKEN: 'y'.repeat(24) });
    expect(fine.secrets.operatorToken?.reveal()).toHaveLength(24);
    expect(fine.secrets.broker.mt5Token?.reveal()).toHaveLength(24);
  });
});
