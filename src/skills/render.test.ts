import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SkillInputError } from './errors.ts';
import { parseSkill } from './parse.ts';
import { buildLlmRequest, formatNumber, renderInputs, stableJson } from './render.ts';
import { skillText } from './testing.ts';

const skill = parseSkill(skillText(), '/skills/probe/SKILL.md', 'probe');

function inputIssues(run: () => unknown): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SkillInputError);
    return [...(error as SkillInputError).issues];
  }
  throw new Error('expected a SkillInputError');
}

describe('formatNumber and stableJson', () => {
  it('prints numbers the same way every time', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(101)).toBe('101');
    expect(formatNumber(1.23456789012345)).toBe('1.23456789012');
    expect(() => formatNumber(Number.NaN)).toThrow(RangeError);
  });

  it('prints every fraction as rounding to 12 significant digits does (the fast path included)', () => {
    // Prices, ratios, tiny and huge values, both signs: the short-text path must agree with
    // the toPrecision(12) rule on each.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const values = [0.1 + 0.2, 1e-7, 1.5e-10, 123456789.123, 0.000123, 99.995, 1e21 + 0.5, 123.456789012345];
    for (let index = 0; index < 20_000; index += 1) {
      const magnitude = 10 ** Math.floor(random() * 24 - 12);
      const value = (random() - 0.5) * magnitude;
      values.push(value, Number(value.toFixed(2)), Number(value.toFixed(6)));
    }
    // Twice: 60,000 fractions fill the texts kept (50,000) and empty them once; the second pass
    // finds the later ones again. Found or made, the text is the same.
    for (const pass of [1, 2])
      for (const value of values) {
        if (Number.isInteger(value) || Object.is(value, -0)) continue;
        expect(formatNumber(value), `${value} (pass ${pass})`).toBe(String(Number(value.toPrecision(12))));
      }
  });

  it('sorts keys at every level and keeps scalar rows on one line', () => {
    const a = stableJson({ b: [{ y: 2, x: 0.1 + 0.2 }], a: { d: null, c: 'text' } });
    const b = stableJson({ a: { c: 'text', d: null }, b: [{ x: 0.3, y: 2 }] });
    expect(a).toBe(b);
    expect(a).toBe(
      '{\n  "a": {\n    "c": "text",\n    "d": null\n  },\n  "b": [\n    {"x": 0.3, "y": 2}\n  ]\n}',
    );
  });

  it('leaves out undefined values and prints nested lists, empties and scalar rows as before', () => {
    // The text the renderer gave before it wrote into one list of pieces (request hashes depend on it).
    const value = {
      b: undefined,
      a: [[1, 'x', null], [], {}, { z: [true] }, { y: 1, x: undefined }],
      c: { d: [] },
    };
    expect(stableJson(value)).toBe(
      '{\n  "a": [\n    [1, "x", null],\n    [],\n    {},\n    {\n      "z": [\n        true\n      ]\n    },\n    {"y": 1}\n  ],\n  "c": {\n    "d": []\n  }\n}',
    );
    // A hole in a sparse list prints as nothing, as Array#join prints it.
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    expect(stableJson([1, , 3])).toBe('[\n  1,\n,\n  3\n]');
    expect(() => stableJson({ a: () => 1 })).toThrow('cannot render a value of type function');
  });

  it('follows the order a schema declares, then sorts the rest', () => {
    const schema = { type: 'array', items: { type: 'object', properties: { t: {}, o: {}, c: {} } } };
    expect(stableJson([{ c: 2, z: 1, a: 0, o: 1, t: 'x' }], schema)).toBe(
      '[\n  {"t": "x", "o": 1, "c": 2, "a": 0, "z": 1}\n]',
    );
  });
});

describe('renderInputs', () => {
  it('fills the template deterministically from validated data', () => {
    const first = renderInputs(skill, {
      symbol: 'AAPL',
      price: 187.1 + 0.2,
      levels: { support: 180, resistance: 195.5 },
    });
    const second = renderInputs(skill, {
      levels: { resistance: 195.5, support: 180 },
      price: 187.3,
      symbol: 'AAPL',
    });
    expect(first).toBe(second);
    expect(first).toBe(
      'Symbol AAPL trades at 187.3.\n\n```json\n{\n  "resistance": 195.5,\n  "support": 180\n}\n```',
    );
  });

  it('reuses the text of a value frozen all the way down, and never of one that can change', () => {
    const frozen = Object.freeze({ support: 180, resistance: 195.5 });
    const first = renderInputs(skill, { symbol: 'AAPL', price: 1, levels: frozen });
    expect(renderInputs(skill, { symbol: 'AAPL', price: 2, levels: frozen })).toBe(
      first.replace('at 1.', 'at 2.'),
    );
    // Frozen on the outside only: a change inside must show in the next text.
    const shallow = Object.freeze({ support: 180, resistance: { level: 195.5 } as { level: number } });
    const looseSkill = parseSkill(
      skillText().replace(
        'levels: { type: object, additionalProperties: { type: number } }',
        'levels: { type: object }',
      ),
      '/skills/probe/SKILL.md',
      'probe',
    );
    const before = renderInputs(looseSkill, { symbol: 'A', price: 1, levels: shallow });
    shallow.resistance.level = 200;
    expect(renderInputs(looseSkill, { symbol: 'A', price: 1, levels: shallow })).not.toBe(before);
    expect(renderInputs(looseSkill, { symbol: 'A', price: 1, levels: shallow })).toContain('200');
  });

  it('refuses a missing field instead of rendering it empty', () => {
    expect(inputIssues(() => renderInputs(skill, { symbol: 'AAPL', levels: {} }))).toEqual([
      { path: 'price', message: 'missing (declared under inputs)' },
    ]);
    expect(
      inputIssues(() => renderInputs(skill, { symbol: 'AAPL', price: undefined, levels: {} }))[0]?.path,
    ).toBe('price');
  });

  it('refuses an extra field', () => {
    expect(
      inputIssues(() => renderInputs(skill, { symbol: 'A', price: 1, levels: {}, rationale: 'x' })),
    ).toEqual([{ path: 'rationale', message: 'not declared under inputs' }]);
  });

  it('refuses values that break the declared schema, naming the field', () => {
    const issues = inputIssues(() => renderInputs(skill, { symbol: '', price: 'cheap', levels: { a: 'x' } }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['levels.a', 'price', 'symbol']);
  });
});

describe('buildLlmRequest', () => {
  it('builds the router request: philosophy + persona as system, rendered inputs as prompt', () => {
    const request = buildLlmRequest(skill, {
      agent: 'probe-agent',
      cycleId: 'c-1',
      philosophy: '# Philosophy\n\nCapital first.\n',
      inputs: { symbol: 'MSFT', price: 400, levels: {} },
    });
    expect(request).toMatchObject({
      agent: 'probe-agent',
      cycleId: 'c-1',
      skill: { name: 'probe', version: '1.0.0' },
      temperature: 0.2,
      routes: ['fake-a', 'fake-b'],
      timeoutMs: 30_000,
      prompt: 'Symbol MSFT trades at 400.\n\n```json\n{}\n```',
    });
    expect(
      request.system.startsWith('# Philosophy\n\nCapital first.\n\n---\n\n## Persona (probe 1.0.0)'),
    ).toBe(true);
    expect(request.system).toContain('You are a careful probe.');
    expect(request.system).toContain('Reply with one JSON object.');
    expect(request.output.jsonSchema).toEqual(skill.output.jsonSchema);
    expect(request.output.jsonSchema).not.toBe(skill.output.jsonSchema);
    expect(request.output.schema.safeParse({ verdict: 'veto', reasons: ['stale'] }).success).toBe(true);
  });

  it('keeps the system prefix identical across calls with different inputs (cacheable)', () => {
    const options = { agent: 'a', philosophy: 'P' };
    const one = buildLlmRequest(skill, { ...options, inputs: { symbol: 'A', price: 1, levels: {} } });
    const two = buildLlmRequest(skill, { ...options, inputs: { symbol: 'B', price: 2, levels: { s: 1 } } });
    expect(one.system).toBe(two.system);
    expect(one.prompt).not.toBe(two.prompt);
    expect('cycleId' in one).toBe(false);
    // One output schema for every call, frozen all the way down: no request can change the skill's.
    expect(one.output.jsonSchema).toBe(two.output.jsonSchema);
    const properties = one.output.jsonSchema.properties as Record<string, Record<string, unknown>>;
    expect(() => {
      properties.verdict!.type = 'number';
    }).toThrow(TypeError);
    expect(skill.output.jsonSchema).toEqual(one.output.jsonSchema);
  });

  it('narrows the answer with a typed schema after the skill schema', () => {
    const narrow = z.object({ verdict: z.literal('sign'), reasons: z.array(z.string()) });
    const request = buildLlmRequest(skill, {
      agent: 'a',
      philosophy: 'P',
      inputs: { symbol: 'A', price: 1, levels: {} },
      narrow,
      timeoutMs: 5_000,
    });
    expect(request.timeoutMs).toBe(5_000);
    const parsed = request.output.schema.parse({ verdict: 'sign', reasons: ['ok'] });
    expect(parsed.verdict).toBe('sign');
    expect(request.output.schema.safeParse({ verdict: 'veto', reasons: ['no'] }).success).toBe(false);
    expect(request.output.schema.safeParse({ verdict: 'sign', reasons: ['ok'], x: 1 }).success).toBe(false);
  });
});
