import { describe, expect, it } from 'vitest';
import { ibkrSectionSchema } from './config-section.ts';

describe('broker.ibkr', () => {
  it('defaults to the paper Gateway on localhost with three distinct client ids', () => {
    const section = ibkrSectionSchema.parse({});
    expect(section).toMatchObject({
      host: '127.0.0.1',
      port: 4002,
      clientId: 1,
      watchdogClientId: 2,
      dataClientId: 3,
      live: false,
      exchange: 'SMART',
      currency: 'USD',
    });
    expect(section.pacing).toMatchObject({ maxRequests: 60, windowMs: 600_000, identicalGapMs: 15_000 });
  });

  it('refuses a watchdog client id equal to the brain’s, naming the key and the fix', () => {
    const parsed = ibkrSectionSchema.safeParse({ clientId: 7, watchdogClientId: 7 });
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues.find((each) => each.path.join('.') === 'watchdogClientId');
    expect(issue?.message).toMatch(
      /must differ from broker\.ibkr\.clientId \(7\).*set broker\.ibkr\.watchdogClientId/,
    );
  });

  it('refuses pacing looser than IB allows and unknown keys', () => {
    expect(ibkrSectionSchema.safeParse({ pacing: { maxRequests: 61 } }).success).toBe(false);
    expect(ibkrSectionSchema.safeParse({ pacing: { identicalGapMs: 1_000 } }).success).toBe(false);
    expect(ibkrSectionSchema.safeParse({ mode: 'paper' }).success).toBe(false);
    expect(ibkrSectionSchema.safeParse({ account: 'du 123' }).success).toBe(false);
  });
});

describe('broker.ibkr in signet.yaml', () => {
  it('names the key and the fix when loading the whole file', async () => {
    const { loadConfig } = await import('../../config/index.ts');
    expect(() =>
      loadConfig({
        env: {},
        file: '/dev/null',
        overrides: { broker: { kind: 'ibkr', ibkr: { clientId: 5, watchdogClientId: 5 } } } as never,
      }),
    ).toThrow(/broker\.ibkr\.watchdogClientId[\s\S]*must differ/);
  });
});
