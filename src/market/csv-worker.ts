import { parentPort, workerData } from 'node:worker_threads';
import { allocateColumns } from './columns.ts';
import { type CsvWorkerData, type CsvWorkerReply, claimNext } from './csv-claims.ts';
import { readHeader, rowCapacity } from './csv-layout.ts';
import { scanRows } from './csv-scan.ts';
import { FileBuffer } from './file-buffer.ts';

/**
 * The thread that parses CSV files beside the main one (csv-parallel.ts). It takes files from
 * the shared claim counter until none is left and sends each file's columns back (the buffer is
 * transferred, not copied). It takes the clean path only: a file it cannot read, or with any
 * problem in its header or a row, goes back as `redo`, and the main thread parses it again
 * with the full checks, so every error and skipped row reads as it does without this thread.
 * It loads no zod: the thread starts in a fraction of the time the main bundle would take.
 */

const data = workerData as CsvWorkerData;
const port = parentPort!;
const reader = new FileBuffer();

class Redo extends Error {}
const redo = () => {
  throw new Redo();
};

for (let at = claimNext(data.claims); at >= 0; at = claimNext(data.claims)) {
  let reply: CsvWorkerReply;
  try {
    const text = reader.read(data.files[at]!);
    const header = readHeader(text, data.adjusted);
    if (header.layout === null) redo();
    const capacity = rowCapacity(text);
    const { buffer, columns } = allocateColumns(capacity);
    const count = scanRows(text, header.rowsStart, header.layout!, columns, redo);
    reply = { kind: 'parsed', at, buffer, capacity, count };
    port.postMessage(reply, [buffer]);
  } catch {
    reply = { kind: 'redo', at };
    port.postMessage(reply);
  }
}
port.postMessage({ kind: 'done' } satisfies CsvWorkerReply);
