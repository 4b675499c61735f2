import { describe, expect, it } from 'vitest';
import { SkillInvalidError } from './errors.ts';
import { parseSkill } from './parse.ts';
import { skillText } from './testing.ts';

const file = '/skills/probe/SKILL.md';

function reasonOf(text: string, expectedName?: string): string {
  try {
    parseSkill(text, file, expectedName);
  } catch (error) {
    expect(error).toBeInstanceOf(SkillInvalidError);
    const invalid = error as SkillInvalidError;
    expect(invalid.file).toBe(file);
    expect(invalid.message).toContain(file);
    expect(invalid.message).toContain(invalid.reason);
    return invalid.reason;
  }
  throw new Error('expected the skill to be rejected');
}

describe('parseSkill', () => {
  it('parses front matter, sections, schemas and declared inputs', () => {
    const skill = parseSkill(skillText(), file, 'probe');
    expect(skill).toMatchObject({
      name: 'probe',
      role: 'tester',
      version: '1.0.0',
      temperature: 0.2,
      routes: ['fake-a', 'fake-b'],
      timeoutMs: 30_000,
      file,
      persona: 'You are a careful probe.',
      outputGuidance: 'Reply with one JSON object.',
      inputFields: ['symbol', 'price', 'levels'],
    });
    expect(skill.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(skill.output.schema.safeParse({ verdict: 'sign', reasons: ['ok'] }).success).toBe(true);
    expect(skill.output.schema.safeParse({ verdict: 'maybe', reasons: ['ok'] }).success).toBe(false);
    expect(skill.output.schema.safeParse({ verdict: 'sign', reasons: ['ok'], extra: 1 }).success).toBe(false);
    expect(skill.output.jsonSchema).toMatchObject({ type: 'object', required: ['verdict', 'reasons'] });
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const text = `\uFEFF${skillText().replace(/\n/g, '\r\n')}`;
    expect(parseSkill(text, file).persona).toBe('You are a careful probe.');
  });

  it.each([
    ['Persona', { persona: null }],
    ['Inputs', { inputsSection: null }],
    ['Output schema', { outputSection: null }],
  ] as const)('rejects a skill missing the "%s" section', (section, parts) => {
    expect(reasonOf(skillText(parts))).toBe(`missing section "## ${section}"`);
  });

  it('rejects an empty section', () => {
    expect(reasonOf(skillText({ persona: '' }))).toBe('section "## Persona" is empty');
  });

  it('rejects unknown and duplicated sections', () => {
    expect(reasonOf(`${skillText()}\n## Strategy\n\ntext\n`)).toContain('unknown section "## Strategy"');
    expect(reasonOf(`${skillText()}\n## Persona\n\nagain\n`)).toBe('section "## Persona" appears twice');
  });

  it('ignores headings inside code fences and allows maintainer notes', () => {
    const skill = parseSkill(
      `${skillText({ persona: 'Read this:\n\n```md\n## Not a section\n```' })}\n## Notes\n\nfor people\n`,
      file,
    );
    expect(skill.persona).toContain('## Not a section');
  });

  it('rejects a file without front matter, or without its closing line', () => {
    expect(reasonOf('# Just markdown\n\n## Persona\n\nx\n')).toContain('must start with YAML front matter');
    expect(reasonOf('---\nname: probe\n\n## Persona\n')).toContain('no closing "---"');
  });

  it('rejects front matter that is not YAML', () => {
    expect(reasonOf(skillText({ extraFrontMatter: 'model: [unclosed' }))).toContain(
      'front matter is not valid YAML',
    );
    expect(reasonOf(skillText({ extraFrontMatter: 'temperature: 0.5' }))).toContain(
      'front matter is not valid YAML',
    );
  });

  it('rejects bad front matter fields, naming them', () => {
    expect(reasonOf(skillText({ version: 'one' }))).toContain('version: use a semantic version');
    expect(reasonOf(skillText({ extraFrontMatter: 'colour: blue' }))).toContain('unknown key(s) colour');
    expect(reasonOf(skillText({ name: 'Bad Name' }))).toContain('name:');
    expect(reasonOf(skillText().replace('temperature: 0.2', 'temperature: 7'))).toContain('temperature');
    expect(reasonOf(skillText().replace('role: tester\n', ''))).toContain('role');
  });

  it('rejects a name that differs from its folder', () => {
    expect(reasonOf(skillText(), 'other')).toBe('front matter name "probe" differs from its folder "other"');
  });

  it('rejects an output schema zod cannot convert', () => {
    const conditional = [
      'output_schema:',
      '  type: object',
      '  additionalProperties: false',
      '  properties:',
      '    verdict: { type: string }',
      '    reasons: { type: array, if: { minItems: 1 }, then: { maxItems: 3 } }',
    ].join('\n');
    expect(reasonOf(skillText({ outputSchema: conditional }))).toMatch(
      /^output_schema cannot be converted to zod: Conditional schemas/,
    );
    const negated = conditional.replace(
      'reasons: { type: array, if: { minItems: 1 }, then: { maxItems: 3 } }',
      'reasons: { not: { type: string } }',
    );
    expect(reasonOf(skillText({ outputSchema: negated }))).toContain('not is not supported');
    const unknownType = conditional.replace(
      'reasons: { type: array, if: { minItems: 1 }, then: { maxItems: 3 } }',
      'reasons: { type: text }',
    );
    expect(reasonOf(skillText({ outputSchema: unknownType }))).toContain('Unsupported type: text');
  });

  it('rejects schema typos and open or non-object roots', () => {
    const base = skillText();
    expect(reasonOf(base.replace('required: [verdict, reasons]', 'requried: [verdict, reasons]'))).toBe(
      'output_schema uses unknown JSON Schema keyword "requried"',
    );
    expect(reasonOf(base.replace('required: [verdict, reasons]', 'required: [verdict, reason]'))).toBe(
      'output_schema.required names "reason", which is not under properties',
    );
    expect(
      reasonOf(skillText({ outputSchema: 'output_schema: { type: array, items: { type: string } }' })),
    ).toBe('output_schema must have type: object at its root');
    expect(
      reasonOf(
        skillText({ outputSchema: 'output_schema: { type: object, properties: { a: { type: string } } }' }),
      ),
    ).toContain('must set additionalProperties: false');
    expect(
      reasonOf(skillText({ outputSchema: 'output_schema: { type: object, additionalProperties: false }' })),
    ).toBe('output_schema must declare at least one property under properties');
  });

  it('checks the Inputs template against the declared inputs', () => {
    expect(reasonOf(skillText({ inputsSection: '{{symbol}} {{price}} {{levels}} {{volume}}' }))).toBe(
      'section "## Inputs" uses {{volume}}, not declared under inputs',
    );
    expect(reasonOf(skillText({ inputsSection: '{{symbol}} at {{price}}' }))).toContain(
      'never places declared input(s) levels',
    );
    const optional = skillText().replace('required: [symbol, price, levels]', 'required: [symbol, price]');
    expect(reasonOf(optional)).toContain('every input must be required');
  });
});
