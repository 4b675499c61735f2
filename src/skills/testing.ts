/**
 * A small valid SKILL.md for tests, with each part replaceable. Kept out of index.ts: only
 * this folder's tests use it.
 */
export interface SkillTextParts {
  name?: string;
  version?: string;
  /** Extra front matter lines (YAML), appended before inputs. */
  extraFrontMatter?: string;
  inputs?: string;
  outputSchema?: string;
  persona?: string | null;
  inputsSection?: string | null;
  outputSection?: string | null;
}

export function skillText(parts: SkillTextParts = {}): string {
  const lines = [
    '---',
    `name: ${parts.name ?? 'probe'}`,
    'role: tester',
    'description: A skill used by tests.',
    `version: ${parts.version ?? '1.0.0'}`,
    'temperature: 0.2',
    'routes: [fake-a, fake-b]',
    'timeout_ms: 30000',
  ];
  if (parts.extraFrontMatter) lines.push(parts.extraFrontMatter);
  lines.push(
    parts.inputs ??
      [
        'inputs:',
        '  type: object',
        '  additionalProperties: false',
        '  required: [symbol, price, levels]',
        '  properties:',
        '    symbol: { type: string, minLength: 1 }',
        '    price: { type: number }',
        '    levels: { type: object, additionalProperties: { type: number } }',
      ].join('\n'),
  );
  lines.push(
    parts.outputSchema ??
      [
        'output_schema:',
        '  type: object',
        '  additionalProperties: false',
        '  required: [verdict, reasons]',
        '  properties:',
        '    verdict: { type: string, enum: [sign, veto] }',
        '    reasons: { type: array, items: { type: string }, minItems: 1 }',
      ].join('\n'),
  );
  lines.push('---', '', '# Probe', '');
  if (parts.persona !== null) lines.push('## Persona', '', parts.persona ?? 'You are a careful probe.', '');
  if (parts.inputsSection !== null)
    lines.push(
      '## Inputs',
      '',
      parts.inputsSection ?? 'Symbol {{symbol}} trades at {{ price }}.\n\n```json\n{{levels}}\n```',
      '',
    );
  if (parts.outputSection !== null)
    lines.push('## Output schema', '', parts.outputSection ?? 'Reply with one JSON object.', '');
  return lines.join('\n');
}
