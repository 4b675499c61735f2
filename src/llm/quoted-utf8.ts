/** `String.prototype.isWellFormed` (ES2024; Node 20 has it, the ES2023 lib types do not). */
const wellFormed = String.prototype as unknown as { isWellFormed(this: string): boolean };
const hexDigits = '0123456789abcdef';
/** Short escapes by byte: \b \t \n \f \r (0: none). */
const shortEscape = new Uint8Array(32);
shortEscape[0x08] = 0x62;
shortEscape[0x09] = 0x74;
shortEscape[0x0a] = 0x6e;
shortEscape[0x0c] = 0x66;
shortEscape[0x0d] = 0x72;

/**
 * Scratch memory, each as a Buffer (to encode into, to hand to the hash) and a plain Uint8Array
 * view of the same bytes (the loop reads and writes through it: element access on a Buffer, a
 * subclass, made the loop twice as slow as JSON.stringify and its copy; on the plain view the two
 * cost the same, ≈ 20 µs for a 9 kB prompt, `.prof` micro-benchmark).
 */
interface Scratch {
  buffer: Buffer;
  view: Uint8Array;
}

function scratch(size: number): Scratch {
  const buffer = Buffer.allocUnsafeSlow(size);
  return { buffer, view: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length) };
}

/** The longest text quoted through the scratch memory (UTF-16 units): a few MB kept at most. */
const maxScratchText = 1 << 18;

let encoded = scratch(1 << 15);
let quoted = scratch(1 << 16);

/** What each byte of the encoded text asks for (one load in the loop, not three comparisons). */
const plain = 0;
const escaped = 1;
const maybeReplacement = 2;
const byteKinds = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte += 1) byteKinds[byte] = escaped;
byteKinds[0x22] = escaped;
byteKinds[0x5c] = escaped;
byteKinds[0xef] = maybeReplacement;

/**
 * The UTF-8 bytes of `JSON.stringify(text)`, made without a JavaScript string: the request
 * hash's quoted prompt. JSON.stringify of a candidate's prompt (≈ 10–15 kB) builds its result
 * in pieces, which the hash then flattened into one more copy before encoding it: ≈ 36 kB of
 * young garbage a call, nearly a fifth of what a vetoed candidate allocated (`.prof` heap sampling,
 * docs/benchmarks.md, twenty-third pass). Here the text is encoded once into a scratch buffer
 * and escaped byte by byte into another; the view returned is valid until the next call (the
 * hash copies it at once).
 *
 * Exact: JSON.stringify escapes `"`, `\` and the control characters below U+0020 (the five
 * short forms, else `\u00xx`), and nothing else but lone surrogates. In UTF-8 those characters
 * are single bytes no multi-byte character contains, so escaping bytes escapes the same
 * characters. A lone surrogate (which the encoder replaces with U+FFFD, where JSON.stringify
 * writes `\udxxx`) sends the text the plain way: the loop looks for U+FFFD's bytes and, only where
 * it finds them, scans the text for a lone surrogate (scanning every text first cost as much as
 * encoding it: the thirty-fifth pass, ≈ 25 % of the call on a 19 kB prompt).
 */
export function quotedUtf8(text: string): Buffer {
  // A text too long for the scratch memory kept (prompts are tens of kB) goes the plain way, so
  // one huge prompt does not hold megabytes for the life of the process.
  if (text.length > maxScratchText) return Buffer.from(JSON.stringify(text), 'utf8');
  // Three bytes at most a UTF-16 unit (a surrogate pair is four for two).
  if (encoded.buffer.length < text.length * 3) encoded = scratch(text.length * 3);
  const length = encoded.buffer.write(text, 0, 'utf8');
  // Two bytes a byte at most but for \u00xx (six): grown below when one would not fit.
  if (quoted.buffer.length < length * 2 + 2) quoted = scratch(length * 2 + 2);
  // Locals: the loop reads no module binding (each read of one is a context load).
  const bytes = encoded.view;
  const kinds = byteKinds;
  let out = quoted.view;
  let at = 0;
  out[at++] = 0x22;
  for (let index = 0; index < length; index += 1) {
    const byte = bytes[index]!;
    const kind = kinds[byte]!;
    if (kind === plain) {
      out[at++] = byte;
      continue;
    }
    if (kind === maybeReplacement) {
      // EF BF BD is U+FFFD: the text's own, or what the encoder wrote for a lone surrogate, which
      // JSON.stringify writes as \udxxx. Told apart once a text, by a scan done only then.
      if (bytes[index + 1] === 0xbf && bytes[index + 2] === 0xbd && !wellFormed.isWellFormed.call(text))
        return Buffer.from(JSON.stringify(text), 'utf8');
      out[at++] = byte;
      continue;
    }
    if (at + 7 + (length - index) * 2 > out.length) {
      const larger = scratch(out.length * 2 + 6 * (length - index));
      larger.view.set(out.subarray(0, at));
      quoted = larger;
      out = larger.view;
    }
    out[at++] = 0x5c;
    if (byte >= 0x20) out[at++] = byte;
    else if (shortEscape[byte] !== 0) out[at++] = shortEscape[byte]!;
    else {
      out[at++] = 0x75;
      out[at++] = 0x30;
      out[at++] = 0x30;
      out[at++] = hexDigits.charCodeAt(byte >> 4);
      out[at++] = hexDigits.charCodeAt(byte & 15);
    }
  }
  out[at++] = 0x22;
  return quoted.buffer.subarray(0, at);
}
