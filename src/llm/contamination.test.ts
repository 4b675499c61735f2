import { describe, expect, it } from 'vitest';
import { llmSectionSchema } from '../config/index.ts';
import { contaminationOf, cutoffBoundary, modelsInUse, trainingCutoffOf } from './contamination.ts';

const day = (text: string) => Date.parse(`${text}T00:00:00Z`);

describe('training cutoffs and contamination', () => {
  it('takes a route override over the price table, and null for an unknown model', () => {
    const section = llmSectionSchema.parse({});
    expect(trainingCutoffOf(section, 'claude-sonnet-5')).toBe('2026-01');
    expect(trainingCutoffOf(section, 'claude-sonnet-5', '2025-11')).toBe('2025-11');
    expect(trainingCutoffOf(section, 'my-local-model')).toBeNull();
    expect(cutoffBoundary('2026-12')).toBe(day('2027-01-01'));
  });

  it('rejects a cutoff that is not YYYY-MM, naming the field', () => {
    const parsed = llmSectionSchema.safeParse({
      routes: [{ name: 'a', kind: 'openai', model: 'gpt-6.1-sol', trainingCutoff: '2026-13' }],
    });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues[0]?.path)).toBe('["routes",0,"trainingCutoff"]');
  });

  it('flags a window starting before the cutoff month ends, or any with an unknown cutoff', () => {
    const times = [day('2026-06-29'), day('2026-06-30'), day('2026-07-01'), day('2026-07-02')];
    const june = { route: 'a', model: 'm', trainingCutoff: '2026-06' };
    expect(contaminationOf([june], times)).toEqual({
      contaminated: true,
      models: [june],
      windowStart: '2026-06-29',
      windowEnd: '2026-07-02',
      barsBeforeCutoff: 2,
    });
    expect(contaminationOf([june], times.slice(2))).toBeUndefined();
    const unknown = { route: 'b', model: 'x', trainingCutoff: null };
    expect(contaminationOf([june, unknown], times.slice(2))?.models).toEqual([unknown]);
    expect(contaminationOf([june, unknown], times.slice(2))?.barsBeforeCutoff).toBe(2);
    expect(contaminationOf([], times)).toBeUndefined();
  });

  it('uses the enabled routes in live mode (no database needed)', async () => {
    const section = llmSectionSchema.parse({
      routes: [
        { name: 'a', kind: 'openai', model: 'gpt-6.1-terra' },
        { name: 'b', kind: 'openai', model: 'gpt-6.1-sol', enabled: false },
        { name: 'c', kind: 'anthropic', model: 'claude-opus-5', trainingCutoff: '2026-02' },
      ],
    });
    expect(await modelsInUse(section, undefined)).toEqual([
      { route: 'a', model: 'gpt-6.1-terra', trainingCutoff: '2026-06' },
      { route: 'c', model: 'claude-opus-5', trainingCutoff: '2026-02' },
    ]);
  });
});
