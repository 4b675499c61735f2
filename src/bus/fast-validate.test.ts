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
  null,
  'string',
];

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
});
