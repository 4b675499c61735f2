import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tuneTieringForBatchRun } from './compiler-tiering.ts';

const moduleUrl = new URL('./compiler-tiering.ts', import.meta.url).href;

const tieringSchema = z.object({
  /** TurboFan code attached after the calls. */
  optimized: z.boolean(),
  /** Baseline (Sparkplug) code attached after one call. */
  baselineAfterOne: z.boolean(),
  applied: z.boolean(),
});

/**
 * Whether a small function is TurboFan-compiled after `calls` calls, and another has baseline
 * code after one call, in a node process of its own (the flags are process-wide), with or
 * without the batch tiering. Compiles run on the main thread (`--no-concurrent-recompilation`)
 * so the answer does not depend on a worker's timing.
 */
function tieringAfter(calls: number, tuned: boolean): z.infer<typeof tieringSchema> {
  const script = `
    const { tuneTieringForBatchRun } = await import(${JSON.stringify(moduleUrl)});
    const applied = ${tuned} ? tuneTieringForBatchRun() : false;
    function score(a, b) { const s = a * 3 + b; const t = s % 7; return t > 3 ? s - t : s + t; }
    function drive(calls) { let sum = 0; for (let call = 0; call < calls; call += 1) sum += score(call, 1); return sum; }
    function once(a) { return a * 2 + 1; }
    once(1);
    drive(${calls});
    // %GetOptimizationStatus on V8 11: bit 4 (16) optimized code attached, bit 15 baseline code.
    process.stdout.write(JSON.stringify({
      optimized: (%GetOptimizationStatus(score) & (1 << 4)) !== 0,
      baselineAfterOne: (%GetOptimizationStatus(once) & (1 << 15)) !== 0,
      applied,
    }));
  `;
  const output = execFileSync(
    process.execPath,
    [
      '--allow-natives-syntax',
      '--no-concurrent-recompilation',
      '--import',
      'tsx',
      '--input-type=module',
      '--eval',
      script,
    ],
    { encoding: 'utf8' },
  );
  return tieringSchema.parse(JSON.parse(output));
}

describe('tuneTieringForBatchRun', () => {
  const engine = process.versions.v8;

  it.runIf(engine.startsWith('11.'))(
    'leaves a function unoptimized after calls that optimize it under V8 defaults, and compiles baseline code at once (Node 20)',
    () => {
      // Measured on V8 11.3: optimized by 5,000 calls at the default budget, not by 20,000 at 16×;
      // a function called once is interpreted by default.
      expect(tieringAfter(10_000, false)).toEqual({
        optimized: true,
        baselineAfterOne: false,
        applied: false,
      });
      expect(tieringAfter(10_000, true)).toEqual({ optimized: false, baselineAfterOne: true, applied: true });
    },
    30_000,
  );

  it('changes nothing on an engine it was not measured on', () => {
    expect(tuneTieringForBatchRun('12.4.254.21-node.33')).toBe(false);
    expect(tuneTieringForBatchRun('13.6.233.10-node.28')).toBe(false);
  });
});
