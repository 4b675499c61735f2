/**
 * TWS API socket framing, as IB's EClient/EReader (v100+ protocol) and @stoqey/ib's
 * core/io/socket.js implement it: after the "API\0" prefix every message is a 4-byte big-endian
 * length followed by NUL-terminated fields (https://interactivebrokers.github.io/tws-api/connection.html,
 * EClient.java `sendConnectRequest`, EReader.java `readSingleMessage`).
 */

/** The 4-byte "API\0" prefix a v100+ client sends before its version range (EClient.java). */
export const API_PREFIX = Buffer.from('API\0', 'latin1');

/** EReader.java refuses messages longer than this (MAX_MSG_LENGTH = 0xffffff). */
export const MAX_MESSAGE_LENGTH = 0xffffff;

export type Field = string | number | boolean | undefined | null;

/** One length-prefixed message: fields joined by NUL, each NUL-terminated (EMessage / ESocket.send). */
export function frame(fields: readonly Field[]): Buffer {
  const body = Buffer.from(fields.map((f) => `${encodeField(f)}\0`).join(''), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/**
 * Values on the wire: booleans as 0/1, undefined as the empty field (EClient.java `sendMax` sends
 * Double.MAX_VALUE / Integer.MAX_VALUE as "", and the decoders read "" as unset).
 */
function encodeField(f: Field): string {
  if (f === undefined || f === null) return '';
  if (typeof f === 'boolean') return f ? '1' : '0';
  if (typeof f === 'number') {
    if (!Number.isFinite(f)) return '';
    return String(f);
  }
  return f;
}

/** Splits a message body (without its length) into its fields; the trailing NUL ends the last one. */
export function splitFields(body: Buffer): string[] {
  const text = body.toString('utf8');
  const parts = text.split('\0');
  // A well-formed message ends with NUL, leaving one empty string after the last field.
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Accumulates socket chunks and yields complete length-prefixed messages (EReader.readSingleMessage). */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
  }

  /** Bytes not consumed yet (the handshake reads its prefix straight from here). */
  peek(): Buffer {
    return this.buffer;
  }

  consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
  }

  /** The next complete message body, `undefined` when more bytes are needed, or an error for a bad length. */
  next(): Buffer | undefined | { badLength: number } {
    if (this.buffer.length < 4) return undefined;
    const size = this.buffer.readUInt32BE(0);
    if (size > MAX_MESSAGE_LENGTH) return { badLength: size };
    if (this.buffer.length < 4 + size) return undefined;
    const body = this.buffer.subarray(4, 4 + size);
    this.buffer = this.buffer.subarray(4 + size);
    return body;
  }
}

/** Thrown when a request's fields do not parse; the session answers it with error 320. */
export class RequestParseError extends Error {}

/**
 * Reads a request's fields in order, the way TWS's server-side reader does (mirror of EDecoder's
 * readInt/readDouble/readStr/readBoolFromInt). Reading past the end throws, and `end()` refuses
 * leftover fields, so a layout that drifts from the negotiated version is caught, not guessed at.
 */
export class FieldReader {
  private index = 0;

  constructor(
    private readonly fields: readonly string[],
    readonly what: string,
  ) {}

  get remaining(): number {
    return this.fields.length - this.index;
  }

  str(name: string): string {
    if (this.index >= this.fields.length)
      throw new RequestParseError(`${this.what}: message ended before field ${name}`);
    return this.fields[this.index++]!;
  }

  int(name: string): number {
    const s = this.str(name);
    if (s === '') return 0;
    if (!/^-?\d+$/.test(s))
      throw new RequestParseError(`${this.what}: field ${name} is not an integer: ${s}`);
    return Number.parseInt(s, 10);
  }

  /** An int that may be unset ("" or Integer.MAX_VALUE, as EClient's sendMax sends it). */
  intMax(name: string): number | undefined {
    const s = this.str(name);
    if (s === '' || s === '2147483647') return undefined;
    if (!/^-?\d+$/.test(s))
      throw new RequestParseError(`${this.what}: field ${name} is not an integer: ${s}`);
    return Number.parseInt(s, 10);
  }

  /** A double that may be unset ("" or Double.MAX_VALUE). */
  doubleMax(name: string): number | undefined {
    const s = this.str(name);
    if (s === '') return undefined;
    const v = Number(s);
    if (!Number.isFinite(v)) throw new RequestParseError(`${this.what}: field ${name} is not a number: ${s}`);
    return v === Number.MAX_VALUE ? undefined : v;
  }

  double(name: string): number {
    return this.doubleMax(name) ?? 0;
  }

  bool(name: string): boolean {
    const s = this.str(name);
    if (s === '' || s === '0' || s === 'false') return false;
    if (s === '1' || s === 'true') return true;
    throw new RequestParseError(`${this.what}: field ${name} is not a 0/1 flag: ${s}`);
  }

  skip(name: string, count = 1): void {
    for (let i = 0; i < count; i++) this.str(`${name}[${i}]`);
  }

  end(): void {
    if (this.index !== this.fields.length)
      throw new RequestParseError(
        `${this.what}: ${this.fields.length - this.index} unexpected field(s) after the last one of this server version`,
      );
  }
}
