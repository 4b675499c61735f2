import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { walkableTempDir } from './temp.ts';

/**
 * A sim session's config in a new walkable folder (its context there, its data under `state/`),
 * for tests that open a SimSession in-process: the feed's sim settings and `risk` overridden.
 */
export function simSessionConfig(
  label: string,
  sim: Partial<Config['feed']['sim']>,
  risk: Partial<Config['risk']> = {},
): { config: Config; contextDir: string } {
  const contextDir = walkableTempDir(path.join(tmpdir(), `signet-${label}-`));
  const base = loadConfig({
    env: {},
    file: '/dev/null',
    overrides: { dataDir: path.join(contextDir, 'state') },
  });
  const config: Config = {
    ...base,
    feed: { ...base.feed, sim: { ...base.feed.sim, ...sim } },
    risk: { ...base.risk, ...risk },
    paths: { ...base.paths, contextDir },
  };
  return { config, contextDir };
}
