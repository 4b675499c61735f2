import { describe, expect, it } from 'vitest';
import { fastJournalEntry } from './fast-parse.ts';
import { type JournalEntryInput, journalEntrySchema } from './schema.ts';

const base = (): Record<string, unknown> => ({
  ts: new Date(Date.UTC(2013, 0, 2, 21)),
  cycleId: 'run-1/2013-01-02',
  symbol: ' ORCL ',
  agent: 'strategist',
  outcome: 'no_trade',
  decidedBy: 'fallback',
  proposal: { decision: 'no_trade', rationale: 'fallback: sma-cross gives no entry', size: 0.5, why: null },
  stance: { regime: 'ranging', bias: 'neutral', riskMultiplier: 0.6, 2: 'numeric key first' },
  inputs: {
    strategist: { bars: [1, 2.5, -3], flags: [true, false, null], nested: { deep: [{ a: 'b' }] } },
    regime: 'text',
  },
  notes: ['regime: decided by the deterministic fallback', ''],
  messageId: 12,
  summary: { day: '2013-01-02' },
});

/** Fast and zod agree: whatever the fast check accepts, zod accepts with the same output; what zod refuses, it refuses. */
function expectAgreement(input: unknown): 'fast' | 'zod' | 'refused' {
  const fast = fastJournalEntry(input as JournalEntryInput);
  const parsed = journalEntrySchema.safeParse(input);
  if (!parsed.success) {
    expect(fast).toBeNull();
    return 'refused';
  }
  if (fast === null) return 'zod';
  expect(fast).toStrictEqual(parsed.data);
  // Same key order at every level (the markdown lists records in their keys' order).
  expect(JSON.stringify(fast)).toBe(JSON.stringify(parsed.data));
  return 'fast';
}

describe('the fast journal entry check', () => {
  it('gives what zod gives for the entries code builds (defaults filled in, the symbol trimmed)', () => {
    expect(expectAgreement(base())).toBe('fast');
    const minimal = { ts: new Date(0), agent: 'ceo', outcome: 'signed', decidedBy: 'code' };
    expect(expectAgreement(minimal)).toBe('fast');
    expect(expectAgreement({ ...base(), symbol: null, cycleId: undefined, proposal: null })).toBe('fast');
    expect(fastJournalEntry(base() as JournalEntryInput)?.symbol).toBe('ORCL');
    // The executor's entries: what the broker did with the order.
    const executed = {
      ...base(),
      outcome: 'executed',
      broker: {
        status: 'open',
        broker: 'paper',
        clientOrderId: 'sg-1',
        message: null,
        details: { qty: 3, children: ['sg-1.sl'] },
      },
    };
    expect(expectAgreement(executed)).toBe('fast');
    expect(expectAgreement({ ...base(), broker: { status: 'filled' } })).toBe('fast');
    expect(expectAgreement({ ...base(), broker: { status: 'not_sent', message: '' } })).toBe('fast');
  });

  it('refuses whatever zod refuses', () => {
    const refused: Array<Record<string, unknown>> = [
      { agent: 'Not Valid' },
      { agent: '' },
      { agent: 'a'.repeat(65) },
      { symbol: '   ' },
      { symbol: `${'A'.repeat(65)}` },
      { symbol: 5 },
      { cycleId: '' },
      { cycleId: 'x'.repeat(201) },
      { clientOrderId: '' },
      { outcome: 'bogus' },
      { decidedBy: 'model' },
      { ts: new Date(Number.NaN) },
      { ts: '2013-01-02T21:00:00Z' },
      { messageId: 0 },
      { messageId: 1.5 },
      { messageId: 2 ** 60 },
      { messageId: '12' },
      { inputs: null },
      { summary: null },
      { summary: [] },
      { proposal: [] },
      { proposal: 'text' },
      { proposal: { price: Number.POSITIVE_INFINITY } },
      { proposal: { price: Number.NaN } },
      { proposal: { missing: undefined } },
      { proposal: { when: new Date(0) } },
      { stance: { list: [1, undefined] } },
      // biome-ignore lint/suspicious/noSparseArray: a hole is not JSON
      { stance: { list: [1, , 3] } },
      { inputs: { strategist: { call: () => 1 } } },
      { inputs: { strategist: 10n } },
      { notes: ['x'.repeat(4_001)] },
      { notes: Array.from({ length: 51 }, () => 'n') },
      { notes: [1] },
      { notes: 'one' },
      { unknownField: 1 },
      { signatures: [{ signer: 'risk-gate' }] },
      {
        signatures: [
          {
            signer: 'risk-gate',
            verdict: 'sign',
            reasons: [],
            decidedBy: 'code',
            at: '2013-02-30T21:00:00.000Z',
          },
        ],
      },
      { broker: { status: '' } },
      { broker: { status: 'x'.repeat(65) } },
      { broker: { status: 'filled', broker: '' } },
      { broker: { status: 'filled', clientOrderId: 'c'.repeat(201) } },
      { broker: { status: 'filled', brokerOrderId: 7 } },
      { broker: { status: 'filled', message: 'm'.repeat(2_001) } },
      { broker: { status: 'filled', details: null } },
      { broker: { status: 'filled', details: { qty: Number.NaN } } },
      { broker: { status: 'filled', extra: 1 } },
      { broker: 'filled' },
      { broker: [] },
    ];
    for (const change of refused)
      expect(expectAgreement({ ...base(), ...change }), Object.keys(change).join()).toBe('refused');
    const symbolKey = { ...base(), proposal: { [Symbol('hidden')]: 1, decision: 'no_trade' } };
    expect(expectAgreement(symbolKey)).toBe('refused');
  });

  it('leaves to zod what it does not check itself', () => {
    const signature = {
      signer: 'risk-gate',
      verdict: 'sign',
      reasons: ['fits the budget'],
      decidedBy: 'code',
      at: '2013-01-02T21:00:00.000Z',
    };
    // Signatures as signers stamp them take the fast path (the bus's check, fast-validate.ts);
    // a time with an offset is valid too, and left to zod.
    expect(expectAgreement({ ...base(), signatures: [signature, { ...signature, verdict: 'veto' }] })).toBe(
      'fast',
    );
    expect(
      expectAgreement({ ...base(), signatures: [{ ...signature, at: '2013-01-02T22:00:00+01:00' }] }),
    ).toBe('zod');
    // zod strips a `__proto__` key from a record: the fast check does not copy, so it declines.
    expect(expectAgreement({ ...base(), summary: JSON.parse('{"__proto__": 1, "day": "d"}') })).toBe('zod');
    expect(expectAgreement({ ...base(), proposal: Object.create({ inherited: 1 }) })).toBe('zod');
  });

  it('agrees with zod on random entries', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
    const leaves: unknown[] = [
      null,
      true,
      0,
      -0,
      1.5,
      'text',
      '',
      Number.NaN,
      undefined,
      new Date(0),
      'é\u0000',
    ];
    const value = (depth: number): unknown => {
      const roll = next();
      if (depth > 3 || roll < 0.5) return pick(leaves);
      if (roll < 0.75) return Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 3) }, (_, at) => [`k${at}`, value(depth + 1)]),
      );
    };
    const counts = { fast: 0, zod: 0, refused: 0 };
    for (let round = 0; round < 2_000; round += 1) {
      const entry = base();
      for (const field of [
        'proposal',
        'stance',
        'inputs',
        'summary',
        'notes',
        'symbol',
        'cycleId',
        'messageId',
        'broker',
      ]) {
        if (next() < 0.3) entry[field] = next() < 0.5 ? value(0) : pick(leaves);
      }
      counts[expectAgreement(entry)] += 1;
    }
    // Both sides exercised: many accepted on the fast path, many refused.
    expect(counts.fast).toBeGreaterThan(100);
    expect(counts.refused).toBeGreaterThan(100);
  });
});
