import path from 'node:path';
import { packageRoot as findPackageRoot } from '../platform/index.ts';

const packageRoot = findPackageRoot();

/** The `skills/` folder shipped with Signet. */
export function shippedSkillsDir(): string {
  return path.join(packageRoot, 'skills');
}

/** `context/philosophy.md` as shipped with Signet. */
export function shippedPhilosophyFile(): string {
  return path.join(packageRoot, 'context', 'philosophy.md');
}
