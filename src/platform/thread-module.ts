import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

/** The module a worker thread runs, and the TypeScript loader it registers first (null: none). */
export interface ThreadModule {
  module: string;
  loader: string | null;
}

/**
 * Where a worker thread's module is, seen from the module that starts it (`importMetaUrl`): the
 * compiled CLI has it beside its chunks as `built` (an entry point of scripts/cli-build-options.mjs),
 * the sources (tests, tsx) as `source`, beside the caller, with tsx's loader to register first:
 * a worker does not inherit the loader of the thread that starts it.
 */
export function threadModule(importMetaUrl: string, source: string, built: string): ThreadModule {
  const fromSources = importMetaUrl.endsWith('.ts');
  return {
    module: new URL(fromSources ? source : built, importMetaUrl).href,
    loader: fromSources ? tsxEsmApi() : null,
  };
}

/**
 * A program for `new Worker(program, { eval: true })` that registers the loader when there is
 * one, then imports the module.
 */
export function threadBootstrap(thread: ThreadModule): string {
  const load = `import(${JSON.stringify(thread.module)})`;
  if (!thread.loader) return `${load};`;
  return `import(${JSON.stringify(thread.loader)}).then((api) => { api.register(); return ${load}; });`;
}

const tsxManifestSchema = z.object({
  exports: z.object({ './esm/api': z.object({ import: z.object({ default: z.string() }) }) }),
});

/**
 * The ES module of tsx's `tsx/esm/api`, by its package's exports map: `require.resolve` would
 * give the CommonJS build, whose own import fails inside an eval'd worker, and a bare
 * `import('tsx/esm/api')` there resolves from the working folder, not from this package.
 */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = tsxManifestSchema.parse(require(manifestPath));
  return pathToFileURL(path.join(path.dirname(manifestPath), manifest.exports['./esm/api'].import.default))
    .href;
}
