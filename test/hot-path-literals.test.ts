import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Code that runs per candidate, per message, per order or per bar makes no object literal that
 * starts with a spread and then has a field of its own (`{ ...base, key: value }`): on Node 20's
 * V8 each such object gets a hidden class of its own (src/platform/objects.ts, measured there),
 * allocated in the old generation and making every read of the object megamorphic. Such code
 * writes `withFields(base, { key: value })`.
 */
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** The folders of the decision cycle, the bus, the journal, the brokers and the backtests. */
const hotFolders = [
  'src/agents',
  'src/backtest',
  'src/broker',
  'src/bus',
  'src/journal',
  'src/ledger',
  'src/market',
  'src/pipeline',
  'src/skills',
  'src/store',
  'src/strategies',
  'src/runtime',
];
/** The router's own files among the LLM adapters (a route's HTTP body waits on the network). */
const hotFiles = [
  'src/llm/router.ts',
  'src/llm/ledger.ts',
  'src/llm/ledger-writer.ts',
  'src/llm/structured.ts',
];
/** Files in those folders that only wire a session or a run together, once: spreads read best there. */
const wiredOnce = new Set([
  'src/runtime/agent-runtime.ts',
  'src/runtime/brain.ts',
  'src/runtime/cycle-settings.ts',
  'src/runtime/leadership.ts',
  'src/runtime/market-session.ts',
  'src/runtime/pipeline-backtest.ts',
  'src/runtime/sim-session.ts',
  'src/runtime/trading-kernel.ts',
  'src/runtime/venue.ts',
  'src/skills/registry.ts',
  'src/store/embedded.ts',
]);

function sources(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

/** The literals of a source that start with a spread and have a field of their own after it. */
function spreadFirstLiterals(source: ts.SourceFile): ts.ObjectLiteralExpression[] {
  const found: ts.ObjectLiteralExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const [first, ...rest] = node.properties;
      if (first && ts.isSpreadAssignment(first) && rest.some((member) => !ts.isSpreadAssignment(member)))
        found.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function parsed(name: string, text: string): ts.SourceFile {
  return ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
}

/** `file:line: text` of each such literal in a project file. */
function offendersIn(file: string): string[] {
  const source = parsed(file, readFileSync(path.join(repoRoot, file), 'utf8'));
  return spreadFirstLiterals(source).map((node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${file}:${line + 1}: ${node.getText(source).replace(/\s+/g, ' ').slice(0, 80)}`;
  });
}

describe('hot-path object literals', () => {
  it('start with a field, never with a spread followed by fields (use withFields)', () => {
    const files = [...hotFolders.flatMap(sources), ...hotFiles].filter((file) => !wiredOnce.has(file));
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap(offendersIn)).toEqual([]);
  });

  it('finds the form it forbids, and only it', () => {
    const probe = parsed(
      'probe.ts',
      'const a = { ...b, c: 1 }; const d = { ...b }; const e = { c: 1, ...b }; const f = { ...b, ...g };',
    );
    expect(spreadFirstLiterals(probe).map((node) => node.getText(probe))).toEqual(['{ ...b, c: 1 }']);
  });
});
