/**
 * How the main thread and the CSV worker share out files: a counter in shared memory that both
 * advance atomically (each file is parsed by whichever thread is free first, so a worker that
 * starts late costs nothing). Layout (Int32): [next, count, stop]. The main thread knows which
 * files it took; every other file the counter passed is the worker's.
 */

export function newClaims(count: number): SharedArrayBuffer {
  const claims = new SharedArrayBuffer(3 * 4);
  new Int32Array(claims)[1] = count;
  return claims;
}

/** The next file to parse, or -1 when every file is taken (or the claims were stopped). */
export function claimNext(claims: SharedArrayBuffer): number {
  const view = new Int32Array(claims);
  if (Atomics.load(view, 2) !== 0) return -1;
  const at = Atomics.add(view, 0, 1);
  return at < view[1]! ? at : -1;
}

/** Neither thread starts another file (the files already taken are finished). */
export function stopClaims(claims: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(claims), 2, 1);
}

/** How many files have been taken, by either thread (files 0 … n−1). */
export function claimedCount(claims: SharedArrayBuffer): number {
  const view = new Int32Array(claims);
  return Math.min(Atomics.load(view, 0), view[1]!);
}

export interface CsvWorkerData {
  files: string[];
  adjusted: boolean;
  claims: SharedArrayBuffer;
}

export type CsvWorkerReply =
  | { kind: 'parsed'; at: number; buffer: ArrayBuffer; capacity: number; count: number }
  | { kind: 'redo'; at: number }
  | { kind: 'done' };
