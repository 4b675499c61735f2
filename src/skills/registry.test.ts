import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/index.ts';
import { SkillNotFoundError } from './errors.ts';
import { type SkillEvent, SkillRegistry, scanSkillsDir } from './registry.ts';
import { skillText } from './testing.ts';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let dir: string;
let registry: SkillRegistry | undefined;
let events: SkillEvent[];

async function writeSkill(name: string, text: string): Promise<string> {
  await mkdir(path.join(dir, name), { recursive: true });
  const file = path.join(dir, name, 'SKILL.md');
  await writeFile(file, text);
  return file;
}

async function open(): Promise<SkillRegistry> {
  registry = await SkillRegistry.load({
    dir,
    logger: silentLogger(),
    onEvent: (event) => events.push(event),
    debounceMs: 30,
    watch: true,
  });
  return registry;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'signet-skills-'));
  events = [];
});

afterEach(async () => {
  await registry?.close();
  registry = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('SkillRegistry', () => {
  it('loads a folder and serves each skill by name', async () => {
    await writeSkill('alpha', skillText({ name: 'alpha' }));
    await writeSkill('beta', skillText({ name: 'beta', version: '2.0.0' }));
    const skills = await open();
    expect(skills.list().map((skill) => `${skill.name}@${skill.version}`)).toEqual([
      'alpha@1.0.0',
      'beta@2.0.0',
    ]);
    expect(skills.get('beta').version).toBe('2.0.0');
    expect(() => skills.get('gamma')).toThrow(SkillNotFoundError);
    expect(events.map((event) => event.kind)).toEqual(['loaded', 'loaded']);
  });

  it('takes a valid edit on the next get()', async () => {
    const file = await writeSkill('alpha', skillText({ name: 'alpha' }));
    const skills = await open();
    await writeFile(
      file,
      skillText({ name: 'alpha', version: '1.1.0', persona: 'You are the edited probe.' }),
    );
    await waitFor(() => skills.get('alpha').version === '1.1.0', 'the edit to be picked up');
    expect(skills.get('alpha').persona).toBe('You are the edited probe.');
    expect(events.at(-1)).toMatchObject({
      kind: 'reloaded',
      name: 'alpha',
      version: '1.1.0',
      previousVersion: '1.0.0',
    });
  });

  it('picks up an editor-style save (write a temp file, rename over the original)', async () => {
    const file = await writeSkill('alpha', skillText({ name: 'alpha' }));
    const skills = await open();
    const temp = path.join(dir, 'alpha', '.SKILL.md.swp');
    await writeFile(temp, skillText({ name: 'alpha', version: '1.2.0' }));
    await rename(temp, file);
    await waitFor(() => skills.get('alpha').version === '1.2.0', 'the renamed file to be picked up');
    // A second save the same way still works: the folder, not the replaced file, is watched.
    await writeFile(temp, skillText({ name: 'alpha', version: '1.3.0' }));
    await rename(temp, file);
    await waitFor(() => skills.get('alpha').version === '1.3.0', 'the second save to be picked up');
  });

  it('keeps the last good version on a broken edit, reports it, and recovers on a fix', async () => {
    const file = await writeSkill('alpha', skillText({ name: 'alpha' }));
    const skills = await open();
    await writeFile(file, skillText({ name: 'alpha', version: '1.1.0', persona: null }));
    await waitFor(() => events.some((event) => event.kind === 'invalid'), 'the broken edit to be reported');
    expect(skills.get('alpha').version).toBe('1.0.0');
    expect(events.at(-1)).toEqual({
      kind: 'invalid',
      name: 'alpha',
      file,
      reason: 'missing section "## Persona"',
      keptVersion: '1.0.0',
    });
    expect(skills.problems()).toEqual([{ name: 'alpha', file, reason: 'missing section "## Persona"' }]);
    await writeFile(file, skillText({ name: 'alpha', version: '1.1.0' }));
    await waitFor(() => skills.get('alpha').version === '1.1.0', 'the fix to be picked up');
    expect(skills.problems()).toEqual([]);
  });

  it('keeps serving when the file or the whole folder disappears', async () => {
    const file = await writeSkill('alpha', skillText({ name: 'alpha' }));
    const skills = await open();
    await rm(file);
    await waitFor(() => skills.problems().length === 1, 'the missing file to be reported');
    expect(skills.problems()[0]?.reason).toBe('SKILL.md is missing');
    await rm(path.join(dir, 'alpha'), { recursive: true });
    await waitFor(
      () => skills.problems()[0]?.reason === 'the skill folder was removed',
      'the removal report',
    );
    expect(skills.get('alpha').version).toBe('1.0.0');
  });

  it('loads a skill folder added while running, and reports one that is invalid from the start', async () => {
    await writeSkill('alpha', skillText({ name: 'alpha' }));
    const skills = await open();
    await writeSkill('beta', skillText({ name: 'beta' }));
    await waitFor(() => skills.has('beta'), 'the new skill to load');
    await writeSkill('gamma', skillText({ name: 'not-gamma' }));
    await waitFor(() => skills.problems().length === 1, 'the invalid new skill to be reported');
    expect(skills.problems()[0]?.reason).toContain('differs from its folder "gamma"');
    expect(events.find((event) => event.kind === 'invalid')).toMatchObject({
      name: 'gamma',
      keptVersion: null,
    });
    expect(() => skills.get('gamma')).toThrow(SkillNotFoundError);
  });

  it('survives an event callback that throws', async () => {
    const file = await writeSkill('alpha', skillText({ name: 'alpha' }));
    registry = await SkillRegistry.load({
      dir,
      logger: silentLogger(),
      onEvent: () => {
        throw new Error('callback bug');
      },
      debounceMs: 30,
      watch: true,
    });
    await writeFile(file, skillText({ name: 'alpha', version: '1.1.0' }));
    const skills = registry;
    await waitFor(() => skills.get('alpha').version === '1.1.0', 'the edit despite the callback');
  });

  it('does not report a touch that leaves the text unchanged', async () => {
    const file = await writeSkill('alpha', skillText({ name: 'alpha' }));
    const skills = await open();
    await writeFile(file, skillText({ name: 'alpha' }));
    await skills.rescan();
    expect(events.map((event) => event.kind)).toEqual(['loaded']);
  });
});

describe('scanSkillsDir', () => {
  it('lists every valid skill and every problem with its file', async () => {
    await writeSkill('alpha', skillText({ name: 'alpha' }));
    const broken = await writeSkill('beta', skillText({ name: 'beta', outputSection: null }));
    await mkdir(path.join(dir, 'empty'));
    const result = await scanSkillsDir(dir);
    expect(result.skills.map((skill) => skill.name)).toEqual(['alpha']);
    expect(result.problems).toEqual([
      { name: 'beta', file: broken, reason: 'missing section "## Output schema"' },
      { name: 'empty', file: path.join(dir, 'empty', 'SKILL.md'), reason: 'SKILL.md is missing' },
    ]);
    expect(await readdir(dir)).toHaveLength(3);
  });

  it('reports a folder that does not exist', async () => {
    const result = await scanSkillsDir(path.join(dir, 'nope'));
    expect(result.problems[0]?.reason).toBe('not a readable folder');
  });
});
