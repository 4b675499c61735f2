/**
 * The compiled CLI bundles imports through a folder's index.ts as direct imports
 * (scripts/direct-imports.mjs), so `signet backtest --no-db` loads the files it uses and not
 * the database, YAML or logging packages (issue 23: start-up is a large part of a fast run).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const folders: string[] = [];

interface DirectImports {
  rewriteBarrelImports(file: string, source: string): string;
}
const plugin = (await import(path.join(repo, 'scripts', 'direct-imports.mjs'))) as DirectImports;
const buildOptions = (await import(path.join(repo, 'scripts', 'cli-build-options.mjs'))) as {
  cliBuildOptions(root: string, outdir: string, consulted: Set<string>): BuildOptions;
};

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

type Outputs = Record<
  string,
  { imports: Array<{ path: string; kind: string; external?: boolean }>; inputs: Record<string, unknown> }
>;

/** The CLI as `npm run build:cli` compiles it, not written: its outputs and the barrels read. */
async function cliBundle(): Promise<{ outputs: Outputs; consulted: Set<string> }> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'signet-cli-bundle-'));
  folders.push(outdir);
  const consulted = new Set<string>();
  const result = await build({
    ...buildOptions.cliBuildOptions(repo, outdir, consulted),
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  return { outputs: result.metafile.outputs, consulted };
}

/** The output whose path matches `pattern` (chunk names carry a hash). */
function outputNamed(outputs: Outputs, pattern: RegExp): string {
  return Object.keys(outputs).find((file) => pattern.test(file))!;
}

/**
 * The packages and source files a process loads from these chunks before any dynamic import
 * (`dynamicToo`: and through every dynamic one as well).
 */
function staticLoads(
  outputs: Outputs,
  entries: string[],
  dynamicToo = false,
): { packages: Set<string>; sources: Set<string> } {
  const loaded = new Set<string>();
  const packages = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (loaded.has(file)) continue;
    loaded.add(file);
    for (const each of outputs[file]!.imports) {
      if (each.kind !== 'import-statement' && !dynamicToo) continue;
      if (each.external) packages.add(each.path);
      else pending.push(each.path);
    }
  }
  return { packages, sources: new Set([...loaded].flatMap((file) => Object.keys(outputs[file]!.inputs))) };
}

describe('direct imports in the CLI bundle', () => {
  it('splits an import through a barrel by declaring file, keeping types, unknown names and lines', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'signet-barrel-'));
    folders.push(root);
    mkdirSync(path.join(root, 'lib'));
    writeFileSync(
      path.join(root, 'lib', 'index.ts'),
      [
        "export { alpha, type Shape, beta as renamed } from './a.ts';",
        "export * from './b.ts';",
        "export type { Hidden } from './c.ts';",
        'export const own = 1;',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(root, 'lib', 'b.ts'), 'export function gamma() {}\nexport const delta = 2;\n');
    const importer = path.join(root, 'main.ts');
    const source = [
      'import {',
      '  alpha,',
      '  type Shape,',
      '  renamed as mine,',
      '  gamma,',
      '  own,',
      "} from './lib/index.ts';",
      'use(alpha, mine, gamma, own);',
    ].join('\n');
    const rewritten = plugin.rewriteBarrelImports(importer, source);
    expect(rewritten.split('\n')).toHaveLength(source.split('\n').length);
    expect(rewritten).toContain("import { alpha, beta as mine } from './lib/a.ts';");
    expect(rewritten).toContain("import { gamma } from './lib/b.ts';");
    expect(rewritten).toContain("import { own } from './lib/index.ts';");
    expect(rewritten).toContain("import type { Shape } from './lib/index.ts';");
    expect(rewritten.split('\n')[7]).toBe('use(alpha, mine, gamma, own);');
  });

  it('leaves the database, YAML and logging packages out of a fast backtest', async () => {
    const { outputs, consulted } = await cliBundle();
    const named = (pattern: RegExp) => outputNamed(outputs, pattern);
    // What `signet backtest` loads before it runs: main.js and the backtest command's chunk, statically.
    const { packages, sources } = staticLoads(outputs, [
      named(/\/main\.js$/),
      named(/\/backtest-[A-Z0-9]+\.js$/),
    ]);
    // pg-copy-streams loads when a log is copied to the database (copyMessages), never before.
    expect([...packages].filter((name) => !name.startsWith('node:')).sort()).toEqual(['commander']);
    // zod is compiled in (one chunk instead of 99 modules to resolve and link at each start).
    expect([...sources].some((source) => source.startsWith('node_modules/zod/'))).toBe(true);
    // Of zod's 63 locales, English alone (zod's default; the rest were half of its compiled text).
    expect([...sources].filter((source) => source.startsWith('node_modules/zod/v4/locales/')).sort()).toEqual(
      ['node_modules/zod/v4/locales/en.js', 'node_modules/zod/v4/locales/index.js'],
    );
    expect(sources).toContain('src/market/csv.ts');
    expect(sources).not.toContain('src/pipeline/decision-cycle.ts');
    expect(sources).not.toContain('src/store/connection.ts');
    // Barrels read for the rewrite count as inputs of the build (bin/signet.js's freshness check).
    expect(consulted).toContain(path.join(repo, 'src', 'pipeline', 'index.ts'));
    // The CSV parsing thread (csv-worker.js, beside the chunks) loads the scanner alone: no zod,
    // no package, so it starts parsing in a fraction of the main bundle's start.
    const worker = staticLoads(outputs, [named(/\/csv-worker\.js$/)], true);
    expect([...worker.packages].filter((name) => !name.startsWith('node:'))).toEqual([]);
    expect(worker.sources).toContain('src/market/csv-scan.ts');
    expect([...worker.sources].filter((source) => source.startsWith('node_modules/'))).toEqual([]);
    expect(worker.sources).not.toContain('src/market/csv.ts');
    // The journal placer's thread imports the renderer (journal-render.js, beside the chunks):
    // the YAML package and the renderer's own files, no database client, no pipeline.
    const renderer = staticLoads(outputs, [named(/\/journal-render\.js$/)], true);
    expect([...renderer.packages].filter((name) => !name.startsWith('node:'))).toEqual(['yaml']);
    expect(renderer.sources).toContain('src/journal/render.ts');
    expect(renderer.sources).not.toContain('src/store/connection.ts');
    expect(renderer.sources).not.toContain('src/pipeline/decision-cycle.ts');
  });

  it("leaves the venues' client libraries out of a full-pipeline backtest over CSV files and out of a halt", async () => {
    const { outputs } = await cliBundle();
    const named = (pattern: RegExp) => outputNamed(outputs, pattern);
    // `signet backtest --pipeline full --data …`: the command's chunk, then the full pipeline's.
    const { packages, sources } = staticLoads(outputs, [
      named(/\/main\.js$/),
      named(/\/backtest-[A-Z0-9]+\.js$/),
      named(/\/backtest-pipeline-[A-Z0-9]+\.js$/),
    ]);
    expect(sources).toContain('src/pipeline/decision-cycle.ts');
    expect(packages).toContain('pg');
    // The IBKR socket client, the MT5 bridge's HTTP server and the Alpaca stream's WebSocket load
    // only for a venue's feed (--feed) or news (pipeline.news.source): ≈ 150 ms of every start.
    expect([...packages].filter((name) => ['@stoqey/ib', 'fastify', 'ws'].includes(name))).toEqual([]);
    expect(sources).not.toContain('src/venues/index.ts');
    // Nor an operator's `signet halt` (or `resume`): the status command of the same module loads
    // them when it asks the broker, so a venue package that cannot load cannot stop a halt.
    const halt = staticLoads(outputs, [named(/\/main\.js$/), named(/\/halt-[A-Z0-9]+\.js$/)]);
    expect(halt.sources).toContain('src/cli/operator.ts');
    expect([...halt.packages].filter((name) => ['@stoqey/ib', 'fastify', 'ws'].includes(name))).toEqual([]);
    expect(halt.sources).not.toContain('src/venues/index.ts');
  });

  it("keeps zod's English messages in the bundle and drops its other locales", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'signet-zod-bundle-'));
    folders.push(root);
    const entry = path.join(root, 'entry.ts');
    writeFileSync(
      entry,
      [
        "import { z } from 'zod';",
        'const result = z.object({ cash: z.number().min(1) }).safeParse({ cash: "many" });',
        'const small = z.number().min(1).safeParse(0);',
        'process.stdout.write(JSON.stringify({',
        '  message: result.success ? null : result.error.issues[0]?.message,',
        '  small: small.success ? null : small.error.issues[0]?.message,',
        '  locales: Object.keys(z.locales),',
        '}));',
        '',
      ].join('\n'),
    );
    const outdir = path.join(root, 'out');
    await build({
      ...buildOptions.cliBuildOptions(repo, outdir, new Set()),
      entryPoints: { entry },
      // The entry lives outside the repository: zod resolves from the repository's node_modules.
      nodePaths: [path.join(repo, 'node_modules')],
      outExtension: { '.js': '.mjs' },
      logLevel: 'silent',
    });
    const printed = JSON.parse(
      execFileSync(process.execPath, [path.join(outdir, 'entry.mjs')], { encoding: 'utf8' }),
    ) as { message: string; small: string; locales: string[] };
    expect(printed).toEqual({
      message: 'Invalid input: expected number, received string',
      small: 'Too small: expected number to be >=1',
      locales: ['en'],
    });
  });
});
