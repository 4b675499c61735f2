import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClaudeStep,
  type CodexStep,
  createCliScript,
  fakeClaudePath,
  fakeCodexPath,
} from '../../../test/fakes/cli-script.ts';
import { cliEnvironment, llmRouteSchema } from '../../config/index.ts';
import type { RouteRequest } from '../route.ts';
import { createRoute } from './index.ts';

/**
 * Issue 15, deliverable 6: a CLI child (claude, codex) gets an allow-listed environment: what it
 * needs to run and log in, never our broker keys, tokens or database URL. The fake CLIs log the
 * names of the environment they were started with.
 */
const ours = {
  APCA_API_KEY_ID: 'PKTEST',
  APCA_API_SECRET_KEY: 'secret-broker-key',
  SIGNET_OPERATOR_TOKEN: 'operator-token',
  SIGNET_MT5_TOKEN: 'mt5-token',
  SIGNET_WATCHDOG_APCA_API_KEY_ID: 'PKWATCH',
  DATABASE_URL: 'postgres://signet:pw@db/signet',
  PGPASSWORD: 'pw',
  SOME_OTHER_TOOL_TOKEN: 'unrelated',
};
const theirs = {
  ANTHROPIC_API_KEY: 'sk-ant-cli',
  CLAUDE_CODE_OAUTH_TOKEN: 'oauth',
  OPENAI_API_KEY: 'sk-openai-cli',
  CODEX_HOME: '/tmp/codex-home',
  LANG: 'de_DE.UTF-8',
  LC_ALL: 'de_DE.UTF-8',
  LC_MESSAGES: 'C',
  TMPDIR: '/tmp',
};

const request: RouteRequest = {
  system: 'You are a test.',
  messages: [{ role: 'user', content: 'answer' }],
  output: { name: 'answer', jsonSchema: { type: 'object' } },
  timeoutMs: 20_000,
};

const saved = new Map<string, string | undefined>();
function setEnv(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    process.env[name] = value;
  }
}
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
});

describe('the environment of a CLI route’s child', () => {
  it('claude gets PATH, HOME, locale, temp and its own login variables, never our keys and tokens', async () => {
    const script = createCliScript<ClaudeStep>('claude', { kind: 'success', text: '{}' });
    script.use();
    setEnv({ ...ours, ...theirs });
    const route = createRoute(
      llmRouteSchema.parse({
        name: 'claude',
        kind: 'claude-cli',
        model: 'sonnet',
        binary: fakeClaudePath,
        passEnv: script.passEnv,
      }),
      undefined,
    );
    await route.complete(request);
    const names = script.calls().at(-1)!.envNames;
    for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_MESSAGES', 'TMPDIR'])
      expect(names).toContain(name);
    expect(names).toContain('ANTHROPIC_API_KEY');
    expect(names).toContain('CLAUDE_CODE_OAUTH_TOKEN');
    // Another vendor's key is not claude's business.
    expect(names).not.toContain('OPENAI_API_KEY');
    expect(names).not.toContain('CODEX_HOME');
    for (const name of Object.keys(ours)) expect(names).not.toContain(name);
  });

  it('codex gets its own login variables and CODEX_HOME, never ours or Anthropic’s', async () => {
    const script = createCliScript<CodexStep>('codex', { kind: 'success', text: '{}' });
    script.use();
    setEnv({ ...ours, ...theirs });
    const route = createRoute(
      llmRouteSchema.parse({
        name: 'codex',
        kind: 'codex-cli',
        model: 'gpt-6.1-sol',
        binary: fakeCodexPath,
        passEnv: script.passEnv,
      }),
      undefined,
    );
    await route.complete(request);
    const names = script.calls().at(-1)!.envNames;
    for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'OPENAI_API_KEY', 'CODEX_HOME'])
      expect(names).toContain(name);
    expect(names).not.toContain('ANTHROPIC_API_KEY');
    expect(names).not.toContain('CLAUDE_CODE_OAUTH_TOKEN');
    for (const name of Object.keys(ours)) expect(names).not.toContain(name);
  });

  it('without passEnv a variable outside the allow-list does not reach the child', async () => {
    const script = createCliScript<ClaudeStep>('claude', { kind: 'success', text: '{}' });
    script.use();
    const route = createRoute(
      llmRouteSchema.parse({ name: 'claude', kind: 'claude-cli', model: 'sonnet', binary: fakeClaudePath }),
      undefined,
    );
    await route.complete(request);
    // The fake was not even told where its script and log are: nothing was logged.
    expect(script.calls()).toEqual([]);
  });

  it('an operator cannot hand our own secrets to a CLI through passEnv', () => {
    for (const name of ['APCA_API_SECRET_KEY', 'SIGNET_OPERATOR_TOKEN', 'DATABASE_URL', 'PGPASSWORD']) {
      const parsed = llmRouteSchema.safeParse({
        name: 'claude',
        kind: 'claude-cli',
        model: 'sonnet',
        passEnv: [name],
      });
      expect(parsed.success, name).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/never hands its own secrets/);
    }
    // And a name that reaches the allow-list some other way is still withheld.
    expect(cliEnvironment('claude-cli', { ...ours, PATH: '/bin' }, ['DATABASE_URL'])).toEqual({
      PATH: '/bin',
    });
  });

  it('matches Windows spellings without case (Path, SystemRoot)', () => {
    expect(
      cliEnvironment('codex-cli', { Path: 'C:\\Windows', SystemRoot: 'C:\\Windows', APCA_API_KEY_ID: 'x' }),
    ).toEqual({ Path: 'C:\\Windows', SystemRoot: 'C:\\Windows' });
  });
});
