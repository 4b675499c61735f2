import { SignetError } from '../errors/index.ts';

/** A SKILL.md that cannot be used: the message always names the file and the reason. */
export class SkillInvalidError extends SignetError {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string, options: { cause?: unknown; fix?: string } = {}) {
    super(`skill ${file}: ${reason}`, {
      code: 'skill_invalid',
      fault: 'user',
      fix: options.fix ?? 'correct the SKILL.md (format: skills/README.md) and run `signet skills check`',
      cause: options.cause,
      details: { file, reason },
    });
    this.file = file;
    this.reason = reason;
  }
}

/** Inputs handed to a skill do not match what its front matter declares. */
export class SkillInputError extends SignetError {
  readonly skill: string;
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  constructor(skill: string, issues: ReadonlyArray<{ path: string; message: string }>) {
    super(
      `inputs for skill "${skill}" are invalid: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      {
        code: 'skill_input_invalid',
        fault: 'system',
        fix: 'pass exactly the fields the skill declares under `inputs` in its SKILL.md front matter',
        details: { skill, issues },
      },
    );
    this.skill = skill;
    this.issues = issues;
  }
}

/** A skill asked of the registry does not exist (or never loaded validly). */
export class SkillNotFoundError extends SignetError {
  constructor(name: string, known: readonly string[]) {
    super(`no valid skill named "${name}" (loaded: ${known.join(', ') || 'none'})`, {
      code: 'skill_not_found',
      fault: 'system',
      fix: `add skills/${name}/SKILL.md or fix it (run \`signet skills check\`)`,
      details: { name, known },
    });
  }
}
