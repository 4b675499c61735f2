// Compiles the CLI (src/cli/main.ts and everything it imports) to plain JavaScript under
// dist/cli/, so `signet …` starts without the TypeScript loader: on this 2-core machine tsx's
// loader thread costs about half a second a start, which is most of a short command's time.
// Packages stay external (node_modules as installed), zod aside (compiled in: see
// cli-build-options.mjs); lazily imported commands stay separate chunks. bin/signet.js runs the
// build only while it is fresh (manifest.json below) and falls back to the sources through tsx
// otherwise, so an edited source is never run stale. Imports through a folder's index.ts are
// bundled as direct imports (direct-imports.mjs): a command loads the files it uses, not every
// file its folders re-export.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { cliBuildOptions } from './cli-build-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const consulted = new Set();
const result = await build(cliBuildOptions(root, outdir, consulted));
// Every source file in the build (and every barrel read to rewrite imports) with its modification
// time: the build is fresh while none changed. A bundled package's files count as sources too
// (reinstalled at another version, the bundle is stale).
const inputs = new Set(Object.keys(result.metafile.inputs));
for (const file of consulted) inputs.add(path.relative(root, file).split(path.sep).join('/'));
const sources = [...inputs]
  .sort()
  .map((input) => [input, statSync(path.join(root, input)).mtimeMs]);
writeFileSync(path.join(outdir, 'manifest.json'), `${JSON.stringify({ builtAt: new Date().toISOString(), sources })}\n`);
