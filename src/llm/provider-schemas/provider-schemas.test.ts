import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  anthropicSchemaProblem,
  geminiSchemaProblem,
  openAiStrictSchemaProblem,
} from '../../../test/fakes/schema-rules.mjs';
import { type Skill, scanSkillsDir, shippedSkillsDir } from '../../skills/index.ts';
import {
  anthropicSchema,
  claudeCliSchema,
  codexSchema,
  geminiSchema,
  type JsonSchema,
  openAiCompatibleSchema,
  openAiStrictSchema,
} from './index.ts';

let skills: Skill[];
beforeAll(async () => {
  const scan = await scanSkillsDir(shippedSkillsDir());
  expect(scan.problems).toEqual([]);
  skills = scan.skills;
  expect(skills.map((skill) => skill.name).sort()).toEqual([
    'ceo',
    'double-checker',
    'fact-checker',
    'macro-officer',
    'reflection',
    'regime',
    'strategist',
  ]);
});

const full = (skill: Skill) => skill.output.jsonSchema as JsonSchema;

/** Every provider transform next to the documented rule set it must satisfy. */
const providers: Array<{
  name: string;
  transform: (schema: JsonSchema) => JsonSchema;
  problem: (schema: unknown, skill: string) => string | undefined;
}> = [
  {
    name: 'anthropic (output_config.format)',
    transform: anthropicSchema,
    problem: (s) => anthropicSchemaProblem(s),
  },
  {
    name: 'claude-cli (--json-schema)',
    transform: claudeCliSchema,
    problem: (s) => anthropicSchemaProblem(s),
  },
  { name: 'openai strict', transform: openAiStrictSchema, problem: openAiStrictSchemaProblem },
  {
    name: 'codex (--output-schema)',
    transform: codexSchema,
    problem: (s) => openAiStrictSchemaProblem(s, 'codex_output_schema'),
  },
  {
    name: 'openai-compatible json_schema',
    transform: openAiCompatibleSchema,
    problem: openAiStrictSchemaProblem,
  },
  { name: 'gemini (responseJsonSchema)', transform: geminiSchema, problem: (s) => geminiSchemaProblem(s) },
];

describe('provider-safe output schemas', () => {
  it.each(providers)(
    '$name: every shipped skill passes the provider rules after the transform',
    ({ transform, problem }) => {
      for (const skill of skills) {
        const before = JSON.stringify(full(skill));
        const sent = transform(full(skill));
        expect(problem(sent, skill.name), skill.name).toBeUndefined();
        // The skill's own schema is never touched (the router validates against it).
        expect(JSON.stringify(full(skill))).toBe(before);
      }
    },
  );

  it('the rule checkers have teeth: the raw strategist and regime schemas are refused as the providers refuse them', () => {
    const strategist = full(skills.find((skill) => skill.name === 'strategist')!);
    const regime = full(skills.find((skill) => skill.name === 'regime')!);
    expect(anthropicSchemaProblem(regime)).toBe(
      "output_config.format.schema: For 'number' type, property 'minimum' is not supported",
    );
    expect(openAiStrictSchemaProblem(strategist, 'strategist')).toMatch(
      // strategist 1.2.0's optional newsIds is the first thing strict mode refuses in the raw schema.
      /^Invalid schema for response_format 'strategist': In context=\(\), 'required' is required to be supplied and to be an array including every key in properties\. Missing 'newsIds'\.$/,
    );
    expect(geminiSchemaProblem(strategist)).toMatch(
      /keyword 'additionalProperties'|keyword 'minLength'|enum values/,
    );
    expect(
      openAiStrictSchemaProblem(
        { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
        'x',
      ),
    ).toMatch(/'required' is required to be supplied .* Missing 'a'/);
  });

  it('moves what a provider cannot take into the description, so the model still reads it', () => {
    const regime = full(skills.find((skill) => skill.name === 'regime')!);
    const sent = anthropicSchema(regime) as { properties: Record<string, JsonSchema> };
    expect(sent.properties.riskMultiplier).toEqual({
      type: 'number',
      description: '{minimum: 0, maximum: 1}',
    });
    const strict = openAiStrictSchema(regime) as { properties: Record<string, JsonSchema> };
    expect(strict.properties.riskMultiplier).toEqual({ type: 'number', minimum: 0, maximum: 1 });
    expect(strict.properties.rationale).toEqual({
      type: 'string',
      description: '{minLength: 1, maxLength: 1200}',
    });
  });

  it('strict mode lists every property as required; an optional one may then be null', () => {
    const schema: JsonSchema = {
      type: 'object',
      additionalProperties: false,
      required: ['a'],
      properties: { a: { type: 'string' }, b: { type: 'integer', minimum: 1 }, c: { enum: ['x', 'y'] } },
    };
    const strict = openAiStrictSchema(schema);
    expect(strict.required).toEqual(['a', 'b', 'c']);
    expect(strict.properties).toEqual({
      a: { type: 'string' },
      b: { type: ['integer', 'null'], minimum: 1 },
      c: { enum: ['x', 'y', null] },
    });
    expect(openAiStrictSchemaProblem(strict, 'x')).toBeUndefined();
  });

  it('Gemini gets enum-or-null as anyOf and the key order it is told', () => {
    const strategist = full(skills.find((skill) => skill.name === 'strategist')!);
    const sent = geminiSchema(strategist) as {
      properties: Record<string, JsonSchema>;
      propertyOrdering: string[];
    };
    expect(sent.properties.side).toEqual({
      anyOf: [{ type: 'string', enum: ['buy', 'sell'] }, { type: 'null' }],
    });
    expect(sent.properties.entryPrice).toEqual({
      type: ['number', 'null'],
      description: '{exclusiveMinimum: 0}',
    });
    expect(sent.propertyOrdering).toEqual(Object.keys(strategist.properties as JsonSchema));
  });

  it('an answer valid under the full schema is valid under every provider schema (nothing is tightened)', () => {
    const strategist = skills.find((skill) => skill.name === 'strategist')!;
    const answer = {
      decision: 'trade',
      symbol: 'ORCL',
      side: 'buy',
      entryType: 'market',
      entryPrice: 30.1,
      stopPrice: 29,
      targetPrice: 33,
      horizonBars: 10,
      rationale: 'Above the 20-day average.',
      confidence: 0.6,
      facts: [
        { name: 'close', value: 30.1 },
        { name: 'sma20', value: 29.4 },
      ],
      newsIds: [],
    };
    expect(strategist.output.schema.safeParse(answer).success).toBe(true);
    for (const { transform } of providers) {
      const sent = transform(full(strategist));
      const schema = z.fromJSONSchema(stripVendorKeys(sent) as Parameters<typeof z.fromJSONSchema>[0]);
      expect(schema.safeParse(answer).success).toBe(true);
    }
  });
});

/** propertyOrdering is Gemini's own keyword; a JSON Schema validator does not know it. */
function stripVendorKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripVendorKeys);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'propertyOrdering')
      .map(([key, value]) => [key, key === 'enum' || key === 'required' ? value : stripVendorKeys(value)]),
  );
}
