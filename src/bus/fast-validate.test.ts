import { describe, expect, it } from 'vitest';
import { messageInputSchema } from './envelope.ts';
import { fastValidate } from './fast-validate.ts';

const base = {
  fromAgent: 'strategist',
  toAgent: 'risk-gate',
  topic: 'strategist.proposal',
  payload: { a: [1, 'x', null, { b: true }] },
};

const cases: unknown[] = [
  base,
  { ...base, cycleId: 'c-1', causationId: 7, ts: new Date('2024-01-01T00:00:00Z') },
  { ...base, cycleId: null, causationId: null },
  { ...base, signatures: [] },
  { ...base, topic: 'Bad Topic' },
  { ...base, topic: 'a..b' },
  { ...base, fromAgent: '' },
  { ...base, fromAgent: 'x'.repeat(65) },
  { ...base, toAgent: '9abc' },
  { ...base, cycleId: '' },
  { ...base, cycleId: 'c'.repeat(201) },
  { ...base, causationId: 0 },
  { ...base, causationId: 1.5 },
  { ...base, ts: new Date('nope') },
  { ...base, ts: '2024-01-01' },
  { ...base, payload: Number.NaN },
  { ...base, payload: { nested: [Number.POSITIVE_INFINITY] } },
  { ...base, payload: undefined },
  { ...base, payload: new Date() },
  { ...base, payload: { when: new Map() } },
  { fromAgent: 'a', toAgent: 'b', topic: 'c' },
  { ...base, extra: 1 },
  {
    ...base,
    signatures: [
      {
        signer: 'risk-gate',
        verdict: 'sign',
        reasons: ['ok'],
        decidedBy: 'code',
        at: '2024-01-01T00:00:00Z',
      },
    ],
  },
  ...signatureCases(),
  null,
  'string',
];

/** Signatures as signers stamp them, and each way one can break a rule of signatureSchema. */
function signatureCases(): unknown[] {
  const good = {
    signer: 'fact-checker',
    verdict: 'veto',
    reasons: ['stop is above entry', 'x'.repeat(2_000)],
    decidedBy: 'fallback',
    at: '2026-12-03T09:41:07.123Z',
  };
  const broken: Array<Record<string, unknown>> = [
    { ...good, verdict: 'maybe' },
    { ...good, decidedBy: 'someone' },
    { ...good, signer: 'Fact Checker' },
    { ...good, reasons: ['x'.repeat(2_001)] },
    { ...good, reasons: Array.from({ length: 51 }, () => 'r') },
    { ...good, reasons: [1] },
    { ...good, at: '2026-02-30T09:41:07.123Z' },
    { ...good, at: '2026-12-03T24:00:00.000Z' },
    { ...good, at: '2026-12-03 09:41:07' },
    { ...good, at: '+012026-12-03T09:41:07.123Z' },
    { ...good, at: 1_796_290_000_000 },
    { ...good, extra: true },
    (({ at: _at, ...rest }) => rest)(good),
  ];
  return [
    { ...base, signatures: [good, { ...good, signer: 'risk-gate', verdict: 'sign', decidedBy: 'code' }] },
    { ...base, signatures: [{ ...good, at: '2026-12-03T09:41:07.123+01:00' }] },
    { ...base, signatures: Array.from({ length: 21 }, () => good) },
    ...broken.map((signature) => ({ ...base, signatures: [good, signature] })),
  ];
}

describe('fast envelope check', () => {
  it('accepts only what the zod schema accepts, and returns the same value', () => {
    for (const input of cases) {
      const fast = fastValidate(input);
      const slow = messageInputSchema.safeParse(input);
      if (fast !== null) {
        expect(slow.success, JSON.stringify(input)).toBe(true);
        expect(fast).toEqual(slow.data);
      }
      // The fast path may decline a valid message (zod then decides), never accept an invalid one.
      if (!slow.success) expect(fast, JSON.stringify(input)).toBeNull();
    }
    expect(fastValidate(base)).not.toBeNull();
  });

  it('leaves to zod a payload zod would not return as it is (a `__proto__` key, which zod strips)', () => {
    const payload = JSON.parse('{"__proto__": 1, "day": "d"}') as unknown;
    expect(fastValidate({ ...base, payload })).toBeNull();
    expect(fastValidate({ ...base, payload: { nested: [payload] } })).toBeNull();
    expect(messageInputSchema.safeParse({ ...base, payload }).success).toBe(true);
  });

  it('takes the signatures signers stamp on the fast path, as fresh copies', () => {
    const signature = {
      signer: 'double-checker',
      verdict: 'sign',
      reasons: ['ok'],
      decidedBy: 'llm',
      at: new Date(Date.UTC(2026, 11, 3, 9, 41, 7, 5)).toISOString(),
    };
    const fast = fastValidate({ ...base, signatures: [signature] });
    expect(fast?.signatures).toEqual([signature]);
    expect(fast?.signatures[0]).not.toBe(signature);
    expect(fast?.signatures[0]?.reasons).not.toBe(signature.reasons);
  });
});
