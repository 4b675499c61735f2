import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Runs `work` with a private temp folder (removed afterwards), or without one when not needed. */
export async function withTempDir<T>(
  work: (dir: string | undefined) => Promise<T>,
  needed = true,
): Promise<T> {
  if (!needed) return work(undefined);
  const dir = await mkdtemp(path.join(tmpdir(), 'signet-llm-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
