import { directImports } from './direct-imports.mjs';

/**
 * The CLI bundle's esbuild options: build-cli.mjs builds with them, and
 * test/cli-build-imports.test.ts inspects a build made with the same ones (written to memory).
 * A module of its own: importing build-cli.mjs would run the build.
 */
export function cliBuildOptions(root, outdir, consulted) {
  return {
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
    plugins: [directImports(consulted)],
  };
}
