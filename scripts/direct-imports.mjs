// An esbuild plugin for the compiled CLI (build-cli.mjs): an import of names through a folder's
// index.ts is rewritten, in the build only, to import each name from the file that declares it.
// With code splitting, esbuild groups every file a barrel re-exports into the chunks of each
// command that imports anything through it, so `signet backtest` loaded (and evaluated) most of
// the pipeline, the agents, the LLM router and the venues' config through `pipeline/index.ts`.
// The sources keep the project's rule (a folder's index.ts is its public surface); only the
// bundle's module graph changes. Statements keep their line count, so source maps stay right.
// A name the barrel does not re-export as `export { … } from './file.ts'` (or `export *`) is
// left on the index. Every barrel (and `export *` target) read is added to `consulted`: the
// build's manifest lists them, so editing one makes the build stale like editing any input.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const specifierList = /([^,]+)/g;
const reExport = /export\s+(type\s+)?\{([^}]*)\}\s*from\s*'(\.[^']+)'\s*;?/g;
const reExportAll = /export\s+\*\s+from\s*'(\.[^']+)'\s*;?/g;
const declared =
  /export\s+(?:declare\s+)?(?:async\s+)?(?:function\s*\*?|const|let|var|class|abstract\s+class|enum)\s+([A-Za-z_$][\w$]*)/g;
const localExport = /export\s+\{([^}]*)\}\s*(?!\s*from)\s*;/g;
const barrelImport = /import\s+\{([^}]*)\}\s*from\s*'(\.{1,2}\/[^']*index\.ts)'\s*;/g;

function stripComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
}

function specifiers(list) {
  return [...stripComments(list).matchAll(specifierList)]
    .map((match) => match[1].trim())
    .filter((text) => text.length > 0)
    .map((text) => {
      const type = text.startsWith('type ');
      const [imported, local = imported] = text
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .map((part) => part.trim());
      return { type, imported, local };
    });
}

/** Files read to resolve barrels, whether or not the bundle still includes them. */
const read = new Set();

/** Names a module declares as values itself (for `export *`). */
function declaredValues(file) {
  read.add(file);
  const source = stripComments(readFileSync(file, 'utf8'));
  const names = new Set([...source.matchAll(declared)].map((match) => match[1]));
  for (const match of source.matchAll(localExport)) {
    for (const each of specifiers(match[1])) if (!each.type) names.add(each.local);
  }
  return names;
}

const barrels = new Map();

/** exported name → { file, imported } for the values a barrel re-exports from another file. */
function barrelMap(file) {
  const cached = barrels.get(file);
  if (cached) return cached;
  const map = new Map();
  barrels.set(file, map);
  read.add(file);
  const source = stripComments(readFileSync(file, 'utf8'));
  const folder = path.dirname(file);
  for (const match of source.matchAll(reExport)) {
    if (match[1]) continue; // `export type { … }`: erased
    const target = path.resolve(folder, match[3]);
    for (const each of specifiers(match[2])) {
      if (!each.type) map.set(each.local, { file: target, imported: each.imported });
    }
  }
  for (const match of source.matchAll(reExportAll)) {
    const target = path.resolve(folder, match[1]);
    for (const name of declaredValues(target)) if (!map.has(name)) map.set(name, { file: target, imported: name });
  }
  return map;
}

/** Where a barrel's name comes from, through barrels that re-export other barrels. */
function origin(map, name, depth = 0) {
  const found = map.get(name);
  if (!found || depth > 8 || path.basename(found.file) !== 'index.ts') return found;
  return origin(barrelMap(found.file), found.imported, depth + 1) ?? found;
}

function relative(from, file) {
  const text = path.relative(path.dirname(from), file).split(path.sep).join('/');
  return text.startsWith('.') ? text : `./${text}`;
}

/** The source with each barrel import split into direct imports (same number of lines). */
export function rewriteBarrelImports(file, source) {
  return source.replace(barrelImport, (statement, list, specifier) => {
    const barrel = path.resolve(path.dirname(file), specifier);
    const map = barrelMap(barrel);
    const byFile = new Map();
    const kept = [];
    const types = [];
    for (const each of specifiers(list)) {
      const text = each.imported === each.local ? each.imported : `${each.imported} as ${each.local}`;
      if (each.type) {
        types.push(text);
        continue;
      }
      const found = origin(map, each.imported);
      if (!found) {
        kept.push(text);
        continue;
      }
      const target = relative(file, found.file);
      const name = found.imported === each.local ? found.imported : `${found.imported} as ${each.local}`;
      byFile.set(target, [...(byFile.get(target) ?? []), name]);
    }
    const statements = [...byFile].map(([target, names]) => `import { ${names.join(', ')} } from '${target}';`);
    if (kept.length > 0) statements.push(`import { ${kept.join(', ')} } from '${specifier}';`);
    // Types are erased whole by `import type`; `{ type X }` alone would keep the barrel loaded.
    if (types.length > 0) statements.push(`import type { ${types.join(', ')} } from '${specifier}';`);
    const lines = statement.split('\n').length - 1;
    return `${statements.join(' ')}${'\n'.repeat(lines)}`;
  });
}

/** The plugin; `consulted` receives the absolute path of every barrel or module it read. */
export const directImports = (consulted) => ({
  name: 'direct-imports',
  setup(build) {
    build.onEnd(() => {
      for (const file of read) consulted.add(file);
    });
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => ({
      contents: rewriteBarrelImports(args.path, readFileSync(args.path, 'utf8')),
      loader: 'ts',
    }));
  },
});
