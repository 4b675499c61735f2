import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignetError } from '../errors/index.ts';
import { challengersDir } from './challengers.ts';
import { skillFileName } from './registry.ts';

/** The next minor version: a promoted challenger is a new version of its champion. */
function nextMinor(version: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? `${match[1]}.${Number(match[2]) + 1}.0` : `${version}-promoted`;
}

/** Unified diff of two texts (LCS by line), with three lines of context, git-apply compatible. */
export function unifiedDiff(before: string, after: string, file: string): string {
  // Files end with a newline: the empty string after it is no line.
  const lines = (text: string) => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const a = lines(before);
  const b = lines(after);
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1)
    for (let j = b.length - 1; j >= 0; j -= 1)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Array<{ kind: ' ' | '-' | '+'; line: string; ai: number; bi: number }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ kind: ' ', line: a[i++]!, ai: i, bi: ++j });
    else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!))
      ops.push({ kind: '+', line: b[j++]!, ai: i, bi: j });
    else ops.push({ kind: '-', line: a[i++]!, ai: i, bi: j });
  }
  const context = 3;
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(ops.length - 1, index + context);
    const last = hunks.at(-1);
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const out = [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end + 1);
    const oldStart = slice.find((op) => op.kind !== '+')?.ai ?? ops[start]!.ai;
    const newStart = slice.find((op) => op.kind !== '-')?.bi ?? ops[start]!.bi;
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    out.push(
      `@@ -${oldCount === 0 ? oldStart : oldStart},${oldCount} +${newCount === 0 ? newStart : newStart},${newCount} @@`,
    );
    for (const op of slice) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * What promoting a challenger would change: the champion's SKILL.md replaced by the
 * challenger's, under the champion's name and its next minor version. Only printed: the
 * operator reviews and commits it; nothing here writes a file.
 */
export async function promotionDiff(
  skillsDir: string,
  challenger: string,
): Promise<{ file: string; diff: string; version: string }> {
  const [champion, variant, ...rest] = challenger.split('/');
  if (!champion || !variant || rest.length > 0)
    throw new SignetError(`"${challenger}" is not a challenger id`, {
      code: 'challenger_unknown',
      fault: 'user',
      fix: 'Name it <champion>/<variant>, e.g. strategist/conservative (see skills/<champion>/challengers/).',
    });
  const championFile = path.join(skillsDir, champion, skillFileName);
  const challengerFile = path.join(challengersDir(skillsDir, champion), variant, skillFileName);
  const read = (file: string) =>
    readFile(file, 'utf8').catch(() => {
      throw new SignetError(`cannot read ${file}`, {
        code: 'challenger_unknown',
        fault: 'user',
        fix: `Check that ${file} exists (challengers live in skills/<champion>/challengers/<variant>/SKILL.md).`,
      });
    });
  const [current, candidate] = await Promise.all([read(championFile), read(challengerFile)]);
  const currentVersion = /^version:\s*(\S+)/m.exec(current)?.[1] ?? '0.0.0';
  const version = nextMinor(currentVersion);
  const promoted = candidate
    .replace(/^name:\s*\S+/m, `name: ${champion}`)
    .replace(/^version:\s*\S+/m, `version: ${version}`);
  const relative = path.relative(path.dirname(skillsDir), championFile).split(path.sep).join('/');
  return { file: relative, diff: unifiedDiff(current, promoted, relative), version };
}
