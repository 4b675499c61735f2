import path from 'node:path';
import type { Command } from 'commander';
import { SignetError } from '../../errors/index.ts';
import { promotionDiff, type ScanResult, scanSkillsDir, shippedSkillsDir } from '../../skills/index.ts';
import type { CliContext } from '../context.ts';

function resolveDir(dir: string | undefined): string {
  return dir ? path.resolve(dir) : shippedSkillsDir();
}

function summary(result: ScanResult) {
  return {
    skills: result.skills.map((skill) => ({
      name: skill.name,
      version: skill.version,
      role: skill.role,
      description: skill.description,
      temperature: skill.temperature ?? null,
      routes: skill.routes ?? null,
      model: skill.model ?? null,
      inputs: skill.inputFields,
      file: skill.file,
    })),
    problems: result.problems,
  };
}

export function registerSkillsCommands(program: Command, context: CliContext): void {
  const skills = program
    .command('skills')
    .description('agent skills (skills/<name>/SKILL.md): list and check');

  skills
    .command('list')
    .description('list the skills of a folder with their version, role and preferences')
    .option('--dir <folder>', 'skills folder (default: the shipped skills/)')
    .option('--json', 'machine-readable output')
    .action(async (options: { dir?: string; json?: boolean }) => {
      const dir = resolveDir(options.dir);
      const result = await scanSkillsDir(dir);
      if (options.json) {
        context.json({ dir, ...summary(result) });
        return;
      }
      context.out(`skills in ${dir}:`);
      for (const skill of result.skills) {
        const routes = skill.routes ? ` routes=${skill.routes.join(',')}` : '';
        const temperature = skill.temperature === undefined ? '' : ` t=${skill.temperature}`;
        context.out(
          `  ${skill.name.padEnd(16)} ${skill.version.padEnd(8)} ${skill.role.padEnd(18)}${temperature}${routes}`,
        );
        context.out(`    ${skill.description}`);
      }
      for (const problem of result.problems) context.out(`  INVALID ${problem.file}: ${problem.reason}`);
    });

  skills
    .command('check')
    .description('validate every SKILL.md of a folder; exits non-zero naming each invalid file and why')
    .option('--dir <folder>', 'skills folder (default: the shipped skills/)')
    .option('--json', 'machine-readable output')
    .action(async (options: { dir?: string; json?: boolean }) => {
      const dir = resolveDir(options.dir);
      const result = await scanSkillsDir(dir);
      if (options.json) context.json({ dir, ok: result.problems.length === 0, ...summary(result) });
      else {
        for (const skill of result.skills) context.out(`ok      ${skill.name}@${skill.version}`);
        for (const problem of result.problems) context.out(`INVALID ${problem.file}: ${problem.reason}`);
      }
      if (result.problems.length > 0) {
        throw new SignetError(
          `${result.problems.length} invalid skill(s) in ${dir}: ${result.problems.map((problem) => `${problem.file}: ${problem.reason}`).join('; ')}`,
          {
            code: 'skills_invalid',
            fault: 'user',
            fix: 'correct the files named above and run the check again',
          },
        );
      }
      if (result.skills.length === 0)
        throw new SignetError(`no skills found in ${dir}`, {
          code: 'skills_missing',
          fault: 'user',
          fix: 'point --dir at a folder holding <name>/SKILL.md files',
        });
      if (!options.json) context.out(`${result.skills.length} skill(s) valid`);
    });

  skills
    .command('promote <challenger>')
    .description(
      'print the diff that would make a challenger (e.g. strategist/conservative) its champion; nothing is written',
    )
    .option('--dir <folder>', 'skills folder (default: the shipped skills/)')
    .action(async (challenger: string, options: { dir?: string }) => {
      const dir = resolveDir(options.dir);
      const { diff, file, version } = await promotionDiff(dir, challenger);
      if (diff === '') {
        context.out(`${challenger} is identical to ${file}: nothing to promote`);
        return;
      }
      context.out(diff.trimEnd());
      context.out(
        `# ${challenger} as ${file} version ${version}. Nothing was changed: review, then apply with \`git apply\` and commit.`,
      );
    });
}
