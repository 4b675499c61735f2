import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { frontMatterYaml } from './render.ts';

const strings = [
  '2012-03-27T21:00:00.000Z',
  '2026-12-02T10:00:00Z',
  'bt:run-1/2012-03-27',
  'bench-full-x/2012-03-27',
  'risk-gate:sign',
  'fact-checker:veto',
  'ORCL',
  'BRK.B',
  'BTC/USD',
  'no_trade',
  'sig-abc123_def',
  'yes',
  'NO',
  'true',
  'False',
  'NULL',
  'null',
  '~',
  '1',
  '1e3',
  '0x1f',
  '.inf',
  '-a',
  '?a',
  'a:',
  'a: b',
  'a #b',
  'a b',
  '',
  ' lead',
  'trail ',
  'line\nbreak',
  '@a',
  "it's",
  'say "hi"',
  'a:b:c',
  'x'.repeat(300),
  '12:30',
  '2012-03-27',
  'é',
];
const scalars: unknown[] = [...strings, null, 0, 7, 123456789, -3, 1.5, true];

describe('the journal front matter', () => {
  it('prints every value as the yaml package does', () => {
    for (const value of scalars) {
      const record = {
        ts: '2012-03-27T21:00:00.000Z',
        cycle_id: value,
        message_id: 42,
        signatures: [value, 'risk-gate:sign'],
        empty: [],
      };
      expect(frontMatterYaml(record), JSON.stringify(value)).toBe(toYaml(record, { lineWidth: 0 }));
    }
  });

  it('prints a whole entry as the yaml package does, and falls back for structures', () => {
    const records: Array<Record<string, unknown>> = [
      {
        ts: '2013-01-02T21:00:00.000Z',
        cycle_id: null,
        symbol: 'ORCL',
        agent: 'signature-gate',
        outcome: 'vetoed',
        decided_by: 'fallback',
        client_order_id: null,
        message_id: 1234,
        signatures: ['risk-gate:sign', 'fact-checker:sign', 'double-checker:veto'],
      },
      { nested: { a: 1 }, list: [[1]] },
      { 'odd key': 'x', true: 'y' },
      {},
    ];
    for (const record of records) expect(frontMatterYaml(record)).toBe(toYaml(record, { lineWidth: 0 }));
  });
});
