import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (package) root: src/skills/ is two folders below it. */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `skills/` folder shipped with Signet. */
export function shippedSkillsDir(): string {
  return path.join(packageRoot, 'skills');
}

/** `context/philosophy.md` as shipped with Signet. */
export function shippedPhilosophyFile(): string {
  return path.join(packageRoot, 'context', 'philosophy.md');
}
