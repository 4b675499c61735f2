import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import type { Store } from '../store/index.ts';
import { venueConfigs } from './config-sections.ts';
import { marketVenueKinds, venueFor, venueKinds, venues } from './index.ts';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venuesDir = path.join(srcDir, 'venues');

/**
 * The must-hold of the venue registry: no production file outside src/venues/ names a venue
 * kind. Precisely, for every `src/**\/*.ts` that is not a test (`*.test.ts`) and not under
 * `src/venues/`:
 *  - no string literal (quoted or a template without substitutions) whose whole text is a kind
 *    of the registry (`paper`, `alpaca`, `mt5`, …): that is what a switch on the kind looks
 *    like (`kind === 'mt5'`, `z.enum([... 'alpaca'])`, `priceTickFor('alpaca')`);
 *  - no import or re-export of a file under src/venues/ other than src/venues/index.ts.
 * Allowed, and why:
 *  - user-facing prose that mentions a venue inside a longer string (a fix naming the key
 *    `broker.alpaca.symbols`, the `--feed` help text): it names a key the user types, it does
 *    not branch on it; object keys such as the top-level `paper:` section are not literals;
 *  - `src/config/` importing `src/venues/config-sections.ts`: config is the layer below the
 *    venues and validates the whole file at load, so it composes the venues' zod sections
 *    from that file, which imports nothing but zod and the sections (no cycle);
 *  - the `literalAllowed` entries below, each with its reason.
 */
const literalAllowed: ReadonlyArray<{ file: string; text: string; why: string }> = [
  {
    file: 'broker/paper/paper-broker.ts',
    text: 'paper',
    why: 'the default name of the paper fill model (the `orders.broker` ledger column), used by every backtest over any bars: a name, not a switch',
  },
];

const importAllowed = (file: string, target: string) =>
  file.startsWith(`config${path.sep}`) && target === path.join(venuesDir, 'config-sections.ts');

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return full === venuesDir ? [] : productionFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

interface Finding {
  file: string;
  line: number;
  what: string;
}

/** The findings in one file (`file` relative to src/, `full` where it lives). */
function findingsIn(file: string, full: string, text: string, kinds: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const source = ts.createSourceFile(full, text, ts.ScriptTarget.Latest, true);
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node: ts.Node): void => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier
        ? node.moduleSpecifier
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
          ? node.arguments[0]
          : undefined;
    if (specifier && ts.isStringLiteral(specifier)) {
      const target = path.resolve(path.dirname(full), specifier.text);
      const inVenues = target.startsWith(`${venuesDir}${path.sep}`);
      if (inVenues && target !== path.join(venuesDir, 'index.ts') && !importAllowed(file, target))
        findings.push({ file, line: at(node), what: `imports ${specifier.text}` });
      return;
    }
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      kinds.includes(node.text) &&
      !literalAllowed.some((allowed) => allowed.file === file && allowed.text === node.text)
    )
      findings.push({ file, line: at(node), what: `names the venue kind '${node.text}'` });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

describe('the venue registry', () => {
  it('no production file outside src/venues/ names a venue kind or reaches past venues/index.ts', () => {
    const findings = productionFiles(srcDir)
      .flatMap((full) =>
        findingsIn(path.relative(srcDir, full), full, readFileSync(full, 'utf8'), venueKinds),
      )
      .map((each) => `${each.file}:${each.line} ${each.what}`);
    expect(findings).toEqual([]);
  });

  it('the check finds a kind literal and a deep import, and lets prose, keys and the index pass', () => {
    const full = path.join(srcDir, 'runtime', 'probe.ts');
    const probe = [
      "import { venueFor } from '../venues/index.ts';",
      "import { Mt5Feed } from '../venues/mt5/feed/index.ts';",
      "if (kind === 'mt5') {}",
      'const tick = priceTickFor(`alpaca`);',
      "const fix = 'List them under broker.alpaca.symbols';",
      'const section = { paper: 1 };',
    ].join('\n');
    expect(findingsIn('runtime/probe.ts', full, probe, venueKinds)).toEqual([
      { file: 'runtime/probe.ts', line: 2, what: 'imports ../venues/mt5/feed/index.ts' },
      { file: 'runtime/probe.ts', line: 3, what: "names the venue kind 'mt5'" },
      { file: 'runtime/probe.ts', line: 4, what: "names the venue kind 'alpaca'" },
    ]);
  });

  it('what config imports from here imports nothing but zod (so config stays the layer below)', () => {
    const seen = new Set<string>();
    const outside: string[] = [];
    const walk = (full: string): void => {
      if (seen.has(full)) return;
      seen.add(full);
      const source = ts.createSourceFile(full, readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true);
      for (const statement of source.statements) {
        if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
        const specifier = statement.moduleSpecifier.text;
        if (specifier === 'zod') continue;
        const target = path.resolve(path.dirname(full), specifier);
        if (
          !specifier.startsWith('.') ||
          !target.startsWith(`${venuesDir}${path.sep}`) ||
          target.endsWith('index.ts')
        )
          outside.push(`${path.relative(srcDir, full)} imports ${specifier}`);
        else walk(target);
      }
    };
    walk(path.join(venuesDir, 'config-sections.ts'));
    expect(seen.size).toBeGreaterThan(3);
    expect(outside).toEqual([]);
  });

  it('has one adapter and one config per kind, the default first', () => {
    expect(venues.map((venue) => venue.kind)).toEqual(venueKinds);
    expect(Object.keys(venueConfigs)).toEqual(venueKinds);
    for (const venue of venues) expect(venue.config).toBe(venueConfigs[venue.kind]);
    expect(venueFor(loadConfig({ env: {}, file: '/dev/null' })).kind).toBe(venueKinds[0]);
  });

  it('every venue can short; none does unless strategist.allowShort is true (off by default)', () => {
    for (const venue of venues) expect([venue.kind, venue.capabilities.shorting]).toEqual([venue.kind, true]);
    expect(loadConfig({ env: {}, file: '/dev/null' }).strategist.allowShort).toBe(false);
  });

  it('the venues that trade in market mode have a watchdog connection; the in-brain one has none', () => {
    expect(marketVenueKinds().length).toBeGreaterThan(0);
    for (const venue of venues.filter((each) => !each.market)) {
      const config = loadConfig({
        env: {},
        file: '/dev/null',
        overrides: { broker: { kind: venue.kind } } as never,
      });
      expect(venue.watchdogBroker(config, { logger: silentLogger(), store: {} as Store })).toBeUndefined();
    }
  });
});
