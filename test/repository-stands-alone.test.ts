import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A user's clone has nothing beside it (DESIGN principle 10): no file of the project may point
 * outside the repository, and the real bars the tests read live in `data/` unchanged.
 */
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
// Folders that are not the project's own files: installs, build output, run state.
const notProject = new Set(['.git', 'node_modules', '.signet', 'dist', 'test-output', 'coverage']);

function projectFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (notProject.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...projectFiles(full));
    else if (entry.isFile() && statSync(full).size < 2_000_000) files.push(full);
  }
  return files;
}

describe('the repository stands alone', () => {
  it('no project file refers to the shared folder outside the clone', () => {
    // Spelled in two parts so that this file does not match itself.
    const outside = ['../', 'shared'].join('');
    const absolute = ['/work/', 'shared'].join('');
    const offenders = projectFiles(repoRoot)
      .filter((file) => !file.includes(`${path.sep}bench${path.sep}results${path.sep}`))
      .filter((file) => {
        const text = readFileSync(file, 'latin1');
        return text.includes(outside) || text.includes(absolute);
      })
      .map((file) => path.relative(repoRoot, file));
    expect(offenders).toEqual([]);
  });

  it('the real bars in data/ are byte for byte the published files (checksums in data/README.md)', () => {
    const readme = readFileSync(path.join(repoRoot, 'data/README.md'), 'utf8');
    const listed = [...readme.matchAll(/^\s+([0-9a-f]{64})\s+(\S+\.txt)$/gm)].map((match) => ({
      hash: match[1]!,
      file: match[2]!,
    }));
    expect(listed.map((each) => each.file).sort()).toEqual([
      '2006-day-001.txt',
      'nvda-1999-2014.txt',
      'orcl-1995-2014.txt',
      'yhoo-1996-2014.txt',
    ]);
    for (const { hash, file } of listed) {
      const actual = createHash('sha256')
        .update(readFileSync(path.join(repoRoot, 'data', file)))
        .digest('hex');
      expect(actual, file).toBe(hash);
    }
  });
});
