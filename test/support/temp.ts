import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * A temp folder the `postgres` user can walk into: mkdtemp makes it private (0700), and an
 * embedded cluster below a private folder would be moved elsewhere when tests run as root.
 */
export function walkableTempDir(prefix: string): string {
  const dir = mkdtempSync(prefix);
  chmodSync(dir, 0o755);
  return dir;
}

export { tmpdir };
