import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deferOptimizingCompiler } from './compiler-tiering.ts';

const moduleUrl = new URL('./compiler-tiering.ts', import.meta.url).href;

/**
 * Whether a small function is TurboFan-compiled after `calls` calls, in a node process of its
 * own (the flag is process-wide), with or without the batch budget. Compiles run on the main
 * thread (`--no-concurrent-recompilation`) so the answer does not depend on a worker's timing.
 */
function optimizedAfter(calls: number, defer: boolean): { optimized: boolean; applied: boolean } {
  const script = `
    const { deferOptimizingCompiler } = await import(${JSON.stringify(moduleUrl)});
    const applied = ${defer} ? deferOptimizingCompiler() : false;
    function score(a, b) { const s = a * 3 + b; const t = s % 7; return t > 3 ? s - t : s + t; }
    function drive(calls) { let sum = 0; for (let call = 0; call < calls; call += 1) sum += score(call, 1); return sum; }
    drive(${calls});
    // Bit 16 of %GetOptimizationStatus: optimized code is attached to the function.
    process.stdout.write(JSON.stringify({ optimized: (%GetOptimizationStatus(score) & 16) !== 0, applied }));
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
  return JSON.parse(output) as { optimized: boolean; applied: boolean };
}

describe('deferOptimizingCompiler', () => {
  const engine = process.versions.v8;

  it.runIf(engine.startsWith('11.'))(
    'leaves a function unoptimized after calls that optimize it under V8 defaults (Node 20)',
    () => {
      // Measured on V8 11.3: optimized by 5,000 calls at the default budget, not by 20,000 at 16×.
      expect(optimizedAfter(10_000, false)).toEqual({ optimized: true, applied: false });
      expect(optimizedAfter(10_000, true)).toEqual({ optimized: false, applied: true });
    },
    30_000,
  );

  it('changes nothing on an engine it was not measured on', () => {
    expect(deferOptimizingCompiler('12.4.254.21-node.33')).toBe(false);
    expect(deferOptimizingCompiler('13.6.233.10-node.28')).toBe(false);
  });
});
