/**
 * bin/signet.js runs the compiled CLI (dist/cli) only while every source it was built from is
 * unchanged, and the sources through tsx otherwise: an edited file is never run stale.
 * Each case runs the real bin script in a folder of its own with stand-in sources and build.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const folders: string[] = [];

/** A package with bin/signet.js, a source and a build that each say which one ran. */
function stage(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'signet-bin-'));
  folders.push(root);
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
  copyFileSync(path.join(repo, 'bin', 'signet.js'), path.join(root, 'bin', 'signet.js'));
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}\n');
  symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
  const source = path.join(root, 'src', 'cli', 'main.ts');
  writeFileSync(source, "const from: string = 'source';\nprocess.stdout.write(from);\n");
  writeFileSync(path.join(root, 'dist', 'cli', 'main.js'), "process.stdout.write('build');\n");
  writeFileSync(
    path.join(root, 'dist', 'cli', 'manifest.json'),
    JSON.stringify({ sources: [['src/cli/main.ts', statSync(source).mtimeMs]] }),
  );
  return root;
}

const run = (root: string, env: Record<string, string> = {}, args: string[] = []) =>
  execFileSync(process.execPath, [path.join(root, 'bin', 'signet.js'), ...args], {
    env: { ...process.env, SIGNET_FROM_SOURCE: '', ...env },
    encoding: 'utf8',
  });

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('bin/signet.js', () => {
  it('runs the build while its sources are unchanged', () => {
    expect(run(stage())).toBe('build');
  });

  it('runs the sources once one of them changed after the build', () => {
    const root = stage();
    const later = new Date(Date.now() + 5_000);
    utimesSync(path.join(root, 'src', 'cli', 'main.ts'), later, later);
    expect(run(root)).toBe('source');
  });

  it('runs the sources without a build, or when asked to', () => {
    const root = stage();
    expect(run(root, { SIGNET_FROM_SOURCE: '1' })).toBe('source');
    rmSync(path.join(root, 'dist'), { recursive: true });
    expect(run(root)).toBe('source');
  });

  it('maps stack traces to the sources, except for a backtest unless SIGNET_DEBUG asks', () => {
    const root = stage();
    const build = path.join(root, 'dist', 'cli', 'main.js');
    writeFileSync(build, 'process.stdout.write(String(process.sourceMapsEnabled));\n');
    expect(run(root, {}, ['start'])).toBe('true');
    expect(run(root, { SIGNET_DEBUG: '' }, ['backtest', '--data', 'x.csv'])).toBe('false');
    expect(run(root, { SIGNET_DEBUG: '1' }, ['backtest', '--data', 'x.csv'])).toBe('true');
  });
});
