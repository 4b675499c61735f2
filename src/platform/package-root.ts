import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Signet's own package.json: where skills/, context/, web/dist, bin/ and the SQL
 * migrations live. Found by walking up from this module, so the same answer comes whether the code
 * runs from src/ (tsx, the tests) or from the compiled CLI under dist/cli/ (scripts/build-cli.mjs),
 * which sit at different depths.
 */
export function packageRoot(from: string = import.meta.url): string {
  let folder = path.dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(path.join(folder, 'package.json')) && existsSync(path.join(folder, 'src', 'cli')))
      return folder;
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`no Signet package.json above ${fileURLToPath(from)}`);
    folder = parent;
  }
}
