#!/usr/bin/env node
// Entry point for the `signet` bin. Runs the compiled CLI (dist/cli, made by `npm run build:cli`,
// which `npm start` and `npm test` run first) while it is fresh: every source file it was built
// from still has the modification time it had then. Otherwise, or with SIGNET_FROM_SOURCE=1, it
// registers the TypeScript loader and runs the sources, so an edited file is never run stale.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function freshBuild() {
  if (process.env.SIGNET_FROM_SOURCE === '1') return null;
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, 'dist/cli/manifest.json'), 'utf8'));
    for (const [source, mtimeMs] of manifest.sources) {
      if (statSync(path.join(root, source)).mtimeMs !== mtimeMs) return null;
    }
    return path.join(root, 'dist/cli/main.js');
  } catch {
    return null; // no build, or a source gone: run the sources
  }
}

const built = freshBuild();
if (built) {
  // Stack traces name the sources, not the bundle. Maps cost every start ≈ 15 ms (each module's
  // map read, parsed and indexed as it loads), most of it wasted on a backtest, whose start is a
  // large part of a fast run and which prints a stack only when SIGNET_DEBUG asks for one.
  if (!process.argv.slice(2).includes('backtest') || process.env.SIGNET_DEBUG)
    process.setSourceMapsEnabled(true);
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
