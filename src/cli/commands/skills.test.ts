import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = path.join(root, 'bin', 'signet.js');

function signet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const valid = `---
name: probe
role: tester
description: A probe.
version: 1.0.0
inputs: { type: object, additionalProperties: false, required: [symbol], properties: { symbol: { type: string } } }
output_schema: { type: object, additionalProperties: false, required: [ok], properties: { ok: { type: boolean } } }
---

## Persona

You probe.

## Inputs

Symbol: {{symbol}}

## Output schema

Reply with {"ok": true}.
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'signet-skills-cli-'));
  await mkdir(path.join(dir, 'good', 'probe'), { recursive: true });
  await writeFile(path.join(dir, 'good', 'probe', 'SKILL.md'), valid);
  await mkdir(path.join(dir, 'bad', 'probe'), { recursive: true });
  await writeFile(
    path.join(dir, 'bad', 'probe', 'SKILL.md'),
    valid.replace('## Persona\n\nYou probe.\n\n', ''),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signet skills', () => {
  it('check exits non-zero naming the broken file and the reason', async () => {
    const result = await signet(['skills', 'check', '--dir', path.join(dir, 'bad')]);
    const file = path.join(dir, 'bad', 'probe', 'SKILL.md');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain(`INVALID ${file}: missing section "## Persona"`);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain('missing section "## Persona"');
  });

  it('check exits 0 on a valid folder, and on the shipped skills', async () => {
    const good = await signet(['skills', 'check', '--dir', path.join(dir, 'good')]);
    expect(good).toMatchObject({ code: 0 });
    expect(good.stdout).toContain('ok      probe@1.0.0');
    const shipped = await signet(['skills', 'check', '--json']);
    expect(shipped.code).toBe(0);
    expect(JSON.parse(shipped.stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('list prints each skill as JSON', async () => {
    const result = await signet(['skills', 'list', '--dir', path.join(dir, 'good'), '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).skills).toEqual([
      expect.objectContaining({ name: 'probe', version: '1.0.0', role: 'tester', inputs: ['symbol'] }),
    ]);
  });
});

describe('signet skills promote', () => {
  it('prints the diff that makes the shipped challenger its champion, and writes nothing', async () => {
    const { readFile } = await import('node:fs/promises');
    const champion = path.join(root, 'skills', 'strategist', 'SKILL.md');
    const before = await readFile(champion, 'utf8');
    const result = await signet(['skills', 'promote', 'strategist/conservative']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--- a/skills/strategist/SKILL.md\n+++ b/skills/strategist/SKILL.md\n');
    expect(result.stdout).toContain('\n-version: 1.2.0\n');
    expect(result.stdout).toContain('\n+version: 1.3.0\n');
    expect(result.stdout).toContain('+You are the conservative variant.');
    expect(result.stdout).not.toContain('+name: conservative');
    expect(await readFile(champion, 'utf8')).toBe(before);
  });

  it('an unknown challenger names the folder to look in', async () => {
    const result = await signet(['skills', 'promote', 'strategist/bold']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('skills/strategist/challengers/bold/SKILL.md');
  });
});
