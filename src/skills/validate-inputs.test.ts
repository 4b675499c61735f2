import { describe, expect, it, vi } from 'vitest';
import { SkillInputError } from './errors.ts';
import type { FastCheck } from './fast-check.ts';
import { parseSkill, type Skill } from './parse.ts';
import { skillText } from './testing.ts';
import { fieldChecks, validateInputs } from './validate-inputs.ts';

/** A skill showing `symbol` and `bars`; `barsExtra` adds keywords to the bars' schema. */
function skillWithBars(name: string, barsExtra: string, rootExtra = ''): Skill {
  const inputs = [
    'inputs:',
    '  type: object',
    '  additionalProperties: false',
    '  required: [symbol, bars]',
    ...(rootExtra ? [`  ${rootExtra}`] : []),
    '  properties:',
    '    symbol: { type: string, minLength: 1 }',
    `    bars: { type: array, ${barsExtra}items: { type: object, additionalProperties: false, required: [c], properties: { c: { type: number } } } }`,
  ].join('\n');
  return parseSkill(
    skillText({ name, inputs, inputsSection: 'Symbol: {{symbol}}\n\n{{bars}}' }),
    `/skills/${name}/SKILL.md`,
    name,
  );
}

/** Spies on the bars field's two checks: the fast one, and zod (which names what is wrong). */
function barsCheck(skill: Skill) {
  const check = fieldChecks(skill)?.find((each) => each.field === 'bars');
  if (!check?.fast) throw new Error(`${skill.name}: no fast check of bars`);
  return { fast: vi.spyOn(check as { fast: FastCheck }, 'fast'), zod: vi.spyOn(check.schema, 'safeParse') };
}

const frozenWindow = () => Object.freeze([Object.freeze({ c: 1 }), Object.freeze({ c: 2 })]);

describe('validateInputs', () => {
  it('checks a frozen value once for every skill whose field schema differs only in annotations', () => {
    const regime = skillWithBars('regime', 'description: "Recent bars.", ');
    const signer = skillWithBars('signer', 'description: "The bars the Strategist saw.", ');
    const strict = skillWithBars('strict', 'minItems: 2, ');
    const bars = frozenWindow();
    const regimeCheck = barsCheck(regime);
    const signerCheck = barsCheck(signer);
    const strictCheck = barsCheck(strict);
    const first = validateInputs(regime, { symbol: 'ORCL', bars });
    const second = validateInputs(signer, { symbol: 'MSFT', bars });
    // Equal to what was given: the value itself, which the render cache finds by identity.
    expect(first.bars).toBe(bars);
    expect(second.bars).toBe(bars);
    expect(second.symbol).toBe('MSFT');
    // Proven valid by the fast check once between them; zod never ran.
    expect(regimeCheck.fast).toHaveBeenCalledTimes(1);
    expect(signerCheck.fast).not.toHaveBeenCalled();
    expect(regimeCheck.zod).not.toHaveBeenCalled();
    // A schema that checks more is a check of its own.
    validateInputs(strict, { symbol: 'ORCL', bars });
    expect(strictCheck.fast).toHaveBeenCalledTimes(1);
    // A value that can change is checked on every call.
    const loose = [{ c: 1 }, { c: 2 }];
    validateInputs(signer, { symbol: 'ORCL', bars: loose });
    validateInputs(signer, { symbol: 'ORCL', bars: loose });
    expect(signerCheck.fast).toHaveBeenCalledTimes(2);
    expect(signerCheck.zod).not.toHaveBeenCalled();
    // A value the fast check cannot prove (a null prototype) goes to zod, which decides (here:
    // valid, and equal: the value itself is kept), once if frozen.
    const unproven = Object.freeze([Object.freeze(Object.assign(Object.create(null), { c: 1 }))]);
    const viaZod = validateInputs(regime, { symbol: 'ORCL', bars: unproven }).bars;
    validateInputs(signer, { symbol: 'ORCL', bars: unproven });
    expect(regimeCheck.zod).toHaveBeenCalledTimes(1);
    expect(signerCheck.zod).not.toHaveBeenCalled();
    expect(viaZod).toEqual([{ c: 1 }]);
    expect(viaZod).toBe(unproven);
  });

  it('refuses a bad frozen value on every call, naming the field inside it', () => {
    const regime = skillWithBars('regime', '');
    const signer = skillWithBars('signer', 'description: "Same check.", ');
    const bad = Object.freeze([Object.freeze({ c: 'one' })]);
    for (const skill of [regime, signer, regime]) {
      let caught: unknown;
      try {
        validateInputs(skill, { symbol: 'ORCL', bars: bad });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SkillInputError);
      expect((caught as SkillInputError).issues.map((issue) => issue.path)).toEqual(['bars.0.c']);
    }
    // Missing and undeclared fields are named before any schema runs.
    expect(() => validateInputs(regime, { bars: frozenWindow(), extra: 1 })).toThrow(
      /symbol: missing \(declared under inputs\); extra: not declared under inputs/,
    );
  });

  it('checks the whole object when its root holds more than a closed object of fields', () => {
    const bounded = skillWithBars('bounded', '', 'minProperties: 2');
    const bars = frozenWindow();
    const valid = validateInputs(bounded, { symbol: 'ORCL', bars });
    // Checked through the root schema: zod's copy, not the value kept by identity.
    expect(valid.bars).toEqual(bars);
    expect(valid.bars).not.toBe(bars);
    expect(() => validateInputs(bounded, { symbol: '', bars })).toThrow(/symbol: /);
  });
});
