import type { Socket } from 'node:net';
import { errMsg } from './messages.ts';
import { MAX_FAKE_SERVER_VERSION, MIN_FAKE_SERVER_VERSION, OUT } from './protocol.ts';
import { API_PREFIX, type Field, FieldReader, FrameReader, frame, splitFields } from './wire.ts';

/**
 * One API connection: the v100+ handshake (https://interactivebrokers.github.io/tws-api/connection.html;
 * EClient.java `eConnect`/`sendConnectRequest`/`startAPI`), then framed requests handed to `onRequest`.
 */
export interface SessionHost {
  /** The version the fake is configured to speak (its "TWS" version). */
  serverVersion: number;
  connectionTime(): string;
  /** START_API received: return false to refuse the client id (the host has sent 326 and closes). */
  onStart(session: Session): boolean;
  onRequest(session: Session, messageId: number, reader: FieldReader): void;
  onClose(session: Session): void;
}

type Phase = 'prefix' | 'version' | 'start' | 'ready' | 'closed';

export class Session {
  private phase: Phase = 'prefix';
  private readonly reader = new FrameReader();
  version = 0;
  clientId = -1;
  /** reqPositions is a subscription until cancelPositions (https://interactivebrokers.github.io/tws-api/positions.html). */
  positionsSubscribed = false;
  readonly accountSummaries = new Set<number>();
  /** Wall-clock times of the last second's requests (the 50 messages/s limit). */
  readonly sentAt: number[] = [];

  constructor(
    readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      const wasReady = this.phase === 'ready';
      this.phase = 'closed';
      if (wasReady) host.onClose(this);
    });
    socket.on('error', () => socket.destroy());
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  send(fields: readonly Field[]): void {
    if (this.phase === 'closed' || this.socket.destroyed) return;
    this.socket.write(frame(fields));
  }

  error(id: number, code: number, message: string): void {
    this.send(errMsg(this.version, id, code, message));
  }

  close(): void {
    this.phase = 'closed';
    this.socket.end();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    while (this.phase !== 'closed') {
      if (this.phase === 'prefix') {
        const head = this.reader.peek();
        if (head.length < API_PREFIX.length) return;
        // A v100+ client starts with "API\0" (EClient.java sendConnectRequest); anything else
        // (a pre-v100 client or garbage) is dropped by TWS without an answer.
        if (!head.subarray(0, API_PREFIX.length).equals(API_PREFIX)) {
          this.close();
          return;
        }
        this.reader.consume(API_PREFIX.length);
        this.phase = 'version';
        continue;
      }
      const body = this.reader.next();
      if (body === undefined) return;
      if (!Buffer.isBuffer(body)) {
        this.close();
        return;
      }
      const fields = splitFields(body);
      if (this.phase === 'version') this.onVersion(fields);
      else if (this.phase === 'start') this.onStartApi(fields);
      else this.onMessage(fields);
    }
  }

  /**
   * "v<min>..<max>" (optionally followed by connect options). TWS answers with the highest version
   * both sides support; a range that holds none of its versions gets the socket closed.
   */
  private onVersion(fields: string[]): void {
    const m = /^v(\d+)(?:\.\.(\d+))?(?: .*)?$/.exec(fields[0] ?? '');
    if (!m) {
      this.close();
      return;
    }
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    const chosen = Math.min(max, this.host.serverVersion);
    if (min > max || chosen < min || chosen < MIN_FAKE_SERVER_VERSION || chosen > MAX_FAKE_SERVER_VERSION) {
      this.close();
      return;
    }
    this.version = chosen;
    // The first server message is the version and the connection time (EClient.java eConnect reads both).
    this.socket.write(frame([chosen, this.host.connectionTime()]));
    this.phase = 'start';
  }

  /** START_API (71): version 2, clientId, optionalCapabilities (from OPTIONAL_CAPABILITIES, 72). */
  private onStartApi(fields: string[]): void {
    const r = new FieldReader(fields, 'startApi');
    try {
      if (r.int('messageId') !== OUT.START_API) {
        this.close();
        return;
      }
      r.int('version');
      this.clientId = r.int('clientId');
      if (r.remaining > 0) r.str('optionalCapabilities');
      r.end();
    } catch {
      this.close();
      return;
    }
    if (!this.host.onStart(this)) {
      this.close();
      return;
    }
    this.phase = 'ready';
  }

  private onMessage(fields: string[]): void {
    const r = new FieldReader(fields, 'request');
    let id: number;
    try {
      id = r.int('messageId');
    } catch {
      this.error(-1, 320, 'Server error when reading an API client request.');
      return;
    }
    this.host.onRequest(this, id, r);
  }
}
