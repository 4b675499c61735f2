import { describe, expect, it } from 'vitest';
import { createRandom } from '../market/index.ts';
import { quotedUtf8 } from './quoted-utf8.ts';

const asJson = (text: string) => Buffer.from(JSON.stringify(text), 'utf8');

describe('quotedUtf8', () => {
  it('gives the bytes of JSON.stringify for every escape JSON makes', () => {
    const controls = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('');
    for (const text of [
      '',
      'plain',
      controls,
      '"quoted" \\ back\\slash / slash',
      'é € ü — \u2028 \u2029 \u007f',
      'emoji 😀 pairs 𝄞 stay',
      `${'x'.repeat(40_000)}\u0001${'"'.repeat(5_000)}`,
    ])
      expect(quotedUtf8(text).equals(asJson(text))).toBe(true);
  });

  it("keeps a text's own U+FFFD, and tells it from a lone surrogate later in the text", () => {
    for (const text of ['a \ufffd b', '\ufffd', 'x\ufffd"y"\ud800', '\ufffd\ufffd \udfff'])
      expect(quotedUtf8(text).equals(asJson(text))).toBe(true);
    expect(quotedUtf8('a \ufffd b').toString()).toBe('"a \ufffd b"');
  });

  it('writes a lone surrogate as JSON.stringify does (\\udxxx), not as U+FFFD', () => {
    for (const text of ['a\ud800b', 'tail \udfff', '\udc00😀\ud83d'])
      expect(quotedUtf8(text).equals(asJson(text))).toBe(true);
    expect(quotedUtf8('a\ud800b').toString()).toBe('"a\\ud800b"');
  });

  it('grows its buffers for many six-byte escapes, and a later short text is still exact', () => {
    const text = '\u0001'.repeat(30_000);
    expect(quotedUtf8(text).equals(asJson(text))).toBe(true);
    expect(quotedUtf8('after "it"').toString()).toBe('"after \\"it\\""');
  });

  it('quotes a text longer than its scratch memory the plain way, exactly', () => {
    const text = `${'é"\n'.repeat(100_000)}end`;
    expect(quotedUtf8(text).equals(asJson(text))).toBe(true);
  });

  it('answers random texts exactly as JSON.stringify', () => {
    const random = createRandom(7);
    const next = () => Math.floor(random() * 2 ** 31);
    const alphabet = [
      'a',
      ' ',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0000',
      '\u001f',
      'é',
      '€',
      '😀',
      '\ud800',
      '\udc00',
      '\ufffd',
      '\uffff',
      '\uf000',
      '{',
      '}',
    ];
    for (let round = 0; round < 500; round += 1) {
      const length = next() % 200;
      let text = '';
      for (let index = 0; index < length; index += 1) text += alphabet[next() % alphabet.length];
      expect(quotedUtf8(text).toString('hex')).toBe(asJson(text).toString('hex'));
    }
  });
});
