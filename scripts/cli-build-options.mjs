import { readFileSync } from 'node:fs';
import path from 'node:path';
import { directImports } from './direct-imports.mjs';

/**
 * The CLI bundle's esbuild options: build-cli.mjs builds with them, and
 * test/cli-build-imports.test.ts inspects a build made with the same ones (written to memory).
 * A module of its own: importing build-cli.mjs would run the build.
 *
 * Packages stay external (loaded from node_modules as installed), except zod: it is ESM split
 * over 99 files, and resolving, reading and linking them was ≈ 25 ms of every start (issue 23).
 * No external package is handed one of our schemas (openai and @anthropic-ai/sdk take zod only
 * in helpers Signet does not use), so one copy inside the bundle is safe. CommonJS packages
 * cannot be bundled into ESM output as they are (their `require` of node builtins fails).
 */
export function cliBuildOptions(root, outdir, consulted) {
  return {
    absWorkingDir: root,
    // The CSV parsing thread (src/market/csv-parallel.ts) runs a file of its own, beside the
    // chunks; the journal placer's thread (src/journal/placer.ts) imports the renderer from one.
    entryPoints: {
      main: 'src/cli/main.ts',
      'csv-worker': 'src/market/csv-worker.ts',
      'journal-render': 'src/journal/journal-render.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: externalPackages(root),
    sourcemap: 'linked',
    // Whitespace out (names kept, so errors and classes read as in the sources): every start
    // compiles 23 % less text, ≈ 20 ms of a failing `backtest`'s 0.25 s here. A stack maps back
    // through the source maps (every command but `backtest`, or with SIGNET_DEBUG set).
    minifyWhitespace: true,
    minifySyntax: true,
    // Stack traces need the mappings, not a copy of every source (which tripled the maps' size).
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [directImports(consulted), englishZodMessages()],
  };
}

/**
 * zod's `locales` namespace (`z.locales`, re-exported by its classic and core entry points)
 * brings every language's error messages: 62 of its 63 unused here (zod sets English itself, and
 * Signet never calls `z.config`), 55 % of zod's source and of the text every start compiles.
 * The bundle keeps `z.locales.en` alone; a program that asked for another language would fail
 * to build, not run in English unnoticed (esbuild reports the missing export).
 */
function englishZodMessages() {
  return {
    name: 'english-zod-messages',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
        contents: 'export { default as en } from "./en.js";\n',
        loader: 'js',
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}

/** Packages compiled into the bundle (see cliBuildOptions). */
export const bundledPackages = new Set(['zod']);

/** Every other dependency, and its subpaths, for esbuild's `external`. */
function externalPackages(root) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
    .filter((name) => !bundledPackages.has(name))
    .flatMap((name) => [name, `${name}/*`]);
}
