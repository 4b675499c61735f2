// Compiles the CLI (src/cli/main.ts and everything it imports) to plain JavaScript under
// dist/cli/, so `signet …` starts without the TypeScript loader: on this 2-core machine tsx's
// loader thread costs about half a second a start, which is most of a short command's time.
// Packages stay external (node_modules as installed); lazily imported commands stay separate
// chunks. bin/signet.js runs the build only while it is fresh (manifest.json below) and falls
// back to the sources through tsx otherwise, so an edited source is never run stale.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
// Every source file in the build with its modification time: the build is fresh while none changed.
const sources = Object.keys(result.metafile.inputs)
  .filter((input) => !input.startsWith('node_modules/'))
  .sort()
  .map((input) => [input, statSync(path.join(root, input)).mtimeMs]);
writeFileSync(path.join(outdir, 'manifest.json'), `${JSON.stringify({ builtAt: new Date().toISOString(), sources })}\n`);
