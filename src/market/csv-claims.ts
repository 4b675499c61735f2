/**
 * How the main thread and the CSV worker share out files: a counter in shared memory that both
 * advance atomically (each file is parsed by whichever thread is free first, so a worker that
 * starts late costs nothing), and who took each file. Layout (Int32): [next, count, stop, owner…].
 */

export const mainOwner = 1;
export const workerOwner = 2;

export function newClaims(count: number): SharedArrayBuffer {
  const claims = new SharedArrayBuffer((3 + count) * 4);
  new Int32Array(claims)[1] = count;
  return claims;
}

/** The next file for `who` to parse, or -1 when every file is taken. */
export function claimNext(claims: SharedArrayBuffer, who: 'main' | 'worker'): number {
  const view = new Int32Array(claims);
  if (Atomics.load(view, 2) !== 0) return -1;
  const at = Atomics.add(view, 0, 1);
  if (at >= view[1]!) return -1;
  Atomics.store(view, 3 + at, who === 'main' ? mainOwner : workerOwner);
  return at;
}

/** Neither thread starts another file (the files already taken are finished). */
export function stopClaims(claims: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(claims), 2, 1);
}

/**
 * The files the worker took, once the main thread's claims have run out: every file the
 * counter passed that the main thread did not mark as its own (read after the counter, so a
 * worker's claim whose mark is still being written counts as the worker's all the same).
 */
export function workerFiles(claims: SharedArrayBuffer): number[] {
  const view = new Int32Array(claims);
  const passed = Math.min(Atomics.load(view, 0), view[1]!);
  const taken: number[] = [];
  for (let at = 0; at < passed; at += 1) if (Atomics.load(view, 3 + at) !== mainOwner) taken.push(at);
  return taken;
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
