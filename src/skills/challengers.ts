import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Skill } from './parse.ts';
import { type ScanResult, scanSkillsDir } from './registry.ts';

/** Where a skill's challengers live: `<skills>/<champion>/challengers/<variant>/SKILL.md`. */
export function challengersDir(skillsDir: string, champion: string): string {
  return path.join(skillsDir, champion, 'challengers');
}

/** The id a challenger is known by in the bus, the ledger and the reports: `<champion>/<variant>`. */
export function challengerId(champion: string, variant: string): string {
  return `${champion}/${variant}`;
}

/** The LLM ledger's agent name of a challenger: every shadow call is costed under `shadow:`. */
export function shadowAgentName(champion: string, variant: string): string {
  return `shadow:${challengerId(champion, variant)}`;
}

export interface Challenger {
  id: string;
  champion: string;
  variant: string;
  skill: Skill;
}

/**
 * The challengers of one champion skill (none when the folder does not exist). An invalid
 * challenger is reported, never loaded: it runs in shadow only, so it cannot block the champion.
 */
export async function loadChallengers(
  skillsDir: string,
  champion: string,
): Promise<{ challengers: Challenger[]; problems: ScanResult['problems'] }> {
  const dir = challengersDir(skillsDir, champion);
  const exists = await stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!exists) return { challengers: [], problems: [] };
  const scanned = await scanSkillsDir(dir);
  return {
    challengers: scanned.skills.map((skill) => ({
      id: challengerId(champion, skill.name),
      champion,
      variant: skill.name,
      skill,
    })),
    problems: scanned.problems,
  };
}
