import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Resolves `relative` inside `root`, or null: no absolute paths, no "..", no NUL, and the real
 * path (links followed) must still be inside the real root.
 */
export async function resolveInside(root: string, relative: string): Promise<string | null> {
  if (relative.includes('\0') || path.isAbsolute(relative) || relative.includes('\\')) return null;
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.some((part) => part === '..')) return null;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return null;
  }
  const candidate = path.join(realRoot, ...parts);
  try {
    const real = await realpath(candidate);
    if (real !== realRoot && !real.startsWith(`${realRoot}${path.sep}`)) return null;
    const info = await stat(real);
    return info.isFile() ? real : null;
  } catch {
    return null;
  }
}

export async function readInside(
  root: string,
  relative: string,
): Promise<{ body: Buffer; type: string } | null> {
  const file = await resolveInside(root, relative);
  if (!file) return null;
  return { body: await readFile(file), type: contentTypeOf(file) };
}

/**
 * Files of a reports folder as relative paths, down to `maxDepth` folders below it (backtest
 * reports: a folder each, two levels; the optimizer's: files at the top only).
 */
export async function listReportFiles(
  root: string,
  maxDepth = 2,
): Promise<Array<{ path: string; size: number; modifiedAt: string }>> {
  const found: Array<{ path: string; size: number; modifiedAt: string }> = [];
  const walk = async (dir: string, prefix: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory() && depth < maxDepth)
        await walk(path.join(dir, entry.name), relative, depth + 1);
      else if (entry.isFile() && /\.(html|csv|png|json|md)$/i.test(entry.name)) {
        const info = await stat(path.join(dir, entry.name));
        found.push({ path: relative, size: info.size, modifiedAt: info.mtime.toISOString() });
      }
    }
  };
  await walk(root, '', 0);
  return found.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt) || a.path.localeCompare(b.path));
}
