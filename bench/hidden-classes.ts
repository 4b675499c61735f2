import { execFileSync } from 'node:child_process';
import type { BenchResult } from './types.ts';

const objects = 20_000;

/**
 * How many hidden classes V8 gives 20,000 objects made by one call site, a ledger row's shape:
 * an object literal that starts with a spread and then has fields of its own, against
 * `withFields` (src/platform/objects.ts). On Node 20 the first is one class per object once the
 * code is optimized (each allocated in the old generation, each read of the object
 * megamorphic), which is why the hot paths may not use it (test/hot-path-literals.test.ts).
 * Counted in a child, with the flag V8's own check (%HaveSameMap) needs.
 */
export function hiddenClassProbe(): BenchResult[] {
  const forms = {
    'an object literal that starts with a spread, then fields': '({ ...row(i), model: "m", attempt: i })',
    'withFields(base, fields)': 'withFields(row(i), { model: "m", attempt: i })',
  };
  return Object.entries(forms).map(([form, make]) => {
    const script = `
      const { withFields } = await import(${JSON.stringify(new URL('../src/platform/objects.ts', import.meta.url).href)});
      const row = (i) => ({ route: 'r', agent: 'a', cycleId: 'c' + i, requestHash: 'h' + i });
      const make = (i) => ${make};
      let previous = make(0);
      let maps = 1;
      for (let i = 1; i < ${objects}; i += 1) {
        const made = make(i);
        if (!%HaveSameMap(previous, made)) maps += 1;
        previous = made;
      }
      process.stdout.write(String(maps));
    `;
    const maps = execFileSync(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8' },
    );
    return {
      name: `hidden classes for ${objects.toLocaleString('en')} objects: ${form}`,
      value: Number(maps),
      unit: 'maps',
      notes: `node ${process.version}: one map is what every hot path needs (src/platform/objects.ts)`,
    };
  });
}
