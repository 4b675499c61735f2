import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noTradeAnswer } from '../src/agents/index.ts';
import type { RouteRequest } from '../src/llm/index.ts';
import { type FakeOpenAi, startFakeOpenAi } from './fakes/openai-server.ts';
import type { RecordedRequest } from './fakes/scripted-http.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli } from './support/processes.ts';
import { skillOf, unscriptedDefaults } from './support/scripted-route.ts';
import { walkableTempDir } from './support/temp.ts';

/**
 * Issue 22's contamination guard, through the real CLI against the strict OpenAI fake: a window
 * that starts before the model's training cutoff is refused before any request reaches the
 * vendor; --allow-contaminated runs it and flags the result; a window after the cutoff is clean.
 */
const orcl = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const key = 'sk-proj-CONTAMINATION000000000000';

function answer(request: RecordedRequest): string {
  const body = request.body as { messages: Array<{ role: string; content?: unknown }> };
  const system = body.messages.find((message) => message.role === 'system' || message.role === 'developer');
  const skill = skillOf({
    system: typeof system?.content === 'string' ? system.content : '',
  } as RouteRequest);
  const values: Record<string, unknown> = {
    ...unscriptedDefaults,
    regime: { regime: 'ranging', bias: 'neutral', riskMultiplier: 0.5, rationale: 'No trend.' },
    'fact-checker': { verdict: 'sign', reasons: ['The figures match the bars.'] },
    'double-checker': { verdict: 'sign', reasons: ['An independent view agrees.'] },
  };
  const user = body.messages.filter((message) => message.role === 'user').at(-1)?.content;
  const symbol = /^Symbol: (\w+)/m.exec(typeof user === 'string' ? user : '')?.[1] ?? 'ORCL';
  return JSON.stringify(skill in values ? values[skill] : noTradeAnswer(symbol, 'no edge today', 0.1));
}

let db: TestDatabase;
let openai: FakeOpenAi;
beforeAll(async () => {
  db = await createTestDatabase();
  openai = await startFakeOpenAi({ apiKey: key });
  openai.setResponder((request) => ({ kind: 'success' as const, text: answer(request) }));
});
afterAll(async () => {
  await openai?.close();
  await db?.drop();
});

async function backtest(name: string, route: Record<string, unknown>, extra: string[], yaml = '') {
  const folder = walkableTempDir(path.join(tmpdir(), `signet-contamination-${name}-`));
  const full = {
    name: 'gpt-api',
    kind: 'openai',
    model: 'gpt-6.1-terra',
    baseUrl: `${openai.baseUrl}/v1`,
    timeoutMs: 20_000,
    maxOutputTokens: 1_024,
    ...route,
  };
  writeFileSync(
    path.join(folder, 'signet.yaml'),
    `dataDir: ${path.join(folder, 'state')}\npaths:\n  contextDir: ${path.join(folder, 'context')}\n${yaml}llm:\n  routes:\n    - ${JSON.stringify(full)}\n`,
  );
  const before = openai.requests.length;
  const command = extra[0] === 'evaluate' ? ['evaluate'] : ['backtest', '--pipeline', 'full', '--llm'];
  const result = await runCli(
    [
      ...command,
      ...['--data', orcl, '--symbols', 'ORCL'],
      ...['--from', '2014-07-01', '--to', '2014-08-29', '--warmup', '20', '--run-id', `contam-${name}`],
      ...extra.slice(command.length === 1 ? 1 : 0),
    ],
    {
      env: {
        DATABASE_URL: db.url,
        SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
        SIGNET_LOG_LEVEL: 'error',
        OPENAI_API_KEY: key,
      },
      cwd: folder,
      timeoutMs: 180_000,
    },
  );
  return { result, requests: openai.requests.length - before, folder };
}

describe('signet backtest --llm over bars before the model training cutoff', () => {
  it('refuses before any LLM call, naming the model, its cutoff, the window and the fix', async () => {
    const { result, requests } = await backtest('refused', {}, ['--json']);
    expect(result.code).not.toBe(0);
    expect(requests).toBe(0);
    expect(result.stderr).toContain('gpt-api/gpt-6.1-terra');
    expect(result.stderr).toContain('training cutoff 2026-06');
    expect(result.stderr).toContain('2014-07-01');
    expect(result.stderr).toContain('--allow-contaminated');
    expect(result.stderr).toContain('--from 2026-07-01');
    expect(result.stdout).toBe('');
  });

  it('an unknown cutoff is refused too', async () => {
    const { result, requests } = await backtest('unknown', { model: 'gpt-6.1-sol' }, ['--json']);
    expect(result.code).not.toBe(0);
    expect(requests).toBe(0);
    expect(result.stderr).toContain('gpt-api/gpt-6.1-sol (training cutoff unknown)');
  });

  it('--allow-contaminated runs and flags the JSON result, the HTML report and the journal', async () => {
    const { result, requests, folder } = await backtest('allowed', {}, [
      '--json',
      '--allow-contaminated',
      '--report',
      'report-out',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toBeGreaterThan(0);
    const report = JSON.parse(result.stdout) as { contamination?: Record<string, unknown> };
    expect(report.contamination).toEqual({
      contaminated: true,
      models: [{ route: 'gpt-api', model: 'gpt-6.1-terra', trainingCutoff: '2026-06' }],
      windowStart: '2014-07-01',
      windowEnd: '2014-08-29',
      barsBeforeCutoff: 43,
    });
    const html = readFileSync(path.join(folder, 'report-out', 'report.html'), 'utf8');
    expect(html).toContain('class="contaminated"');
    expect(html).toContain('Look-ahead contamination');
    const notes = await db.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_journal WHERE cycle_id = 'contam-allowed/contamination'`,
    );
    expect(notes.rows[0]!.n).toBe(1);
  });

  it('a window after the route’s training cutoff is not flagged', async () => {
    const { result, requests } = await backtest('clean', { trainingCutoff: '2014-05' }, ['--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toBeGreaterThan(0);
    const report = JSON.parse(result.stdout) as { contamination?: unknown };
    expect(report.contamination).toBeUndefined();
    expect('contamination' in report).toBe(false);
  });
});

describe('signet evaluate: the same guard, and the cost before running', () => {
  it('refuses a contaminated window before any LLM call', async () => {
    const { result, requests } = await backtest('evaluate-refused', {}, ['evaluate', '--json']);
    expect(result.code).not.toBe(0);
    expect(requests).toBe(0);
    expect(result.stderr).toContain('gpt-api/gpt-6.1-terra (training cutoff 2026-06)');
    expect(result.stderr).toContain('signet evaluate');
  });

  it('refuses without an LLM route: there would be nothing to compare', async () => {
    const { result, requests } = await backtest('no-route', { enabled: false }, ['evaluate']);
    expect(result.code).not.toBe(0);
    expect(requests).toBe(0);
    expect(result.stderr).toContain('llm.routes');
  });

  it('--estimate prints calls, tokens and dollars by route, and asks nothing', async () => {
    const { result, requests } = await backtest('estimate', { trainingCutoff: '2014-05' }, [
      'evaluate',
      '--estimate',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toBe(0);
    const estimate = JSON.parse(result.stdout) as {
      calls: number;
      usd: number;
      rows: Array<{ route: string; model: string; calls: number; inputTokens: number; cacheHitRate: number }>;
    };
    // 43 bars − 20 warm-up = 23 decision bars × 1 symbol × 4 calls × 3 runs (LLM arm, identity
    // and data perturbation; the fallbacks' control runs ask nothing).
    expect(estimate.calls).toBe(276);
    expect(estimate.rows[0]).toMatchObject({
      route: 'gpt-api',
      model: 'gpt-6.1-terra',
      calls: 276,
      cacheHitRate: 0,
    });
    expect(estimate.rows[0]!.inputTokens).toBeGreaterThan(0);
    expect(estimate.usd).toBeGreaterThan(0);
  });

  it('--allow-contaminated runs the three arms through the CLI and writes the report the console lists', async () => {
    const { result, requests, folder } = await backtest('evaluate-run', {}, [
      'evaluate',
      '--allow-contaminated',
      '--json',
      '--resamples',
      '200',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toBeGreaterThan(0);
    const evaluation = JSON.parse(result.stdout) as {
      contamination: { contaminated: boolean; models: Array<{ model: string }> };
      arms: Record<string, { totalReturnPct: number }>;
      regimes: { bars: Record<string, number> };
      perturbation: {
        skipped?: string;
        identity?: { llm: { compared: number }; control: { changed: number } };
        data?: { llm: { compared: number }; control: { compared: number } };
      };
      deciders: { llm: { routes: Record<string, number> } };
      files: string[];
    };
    expect(evaluation.contamination.contaminated).toBe(true);
    expect(evaluation.contamination.models.map((model) => model.model)).toEqual(['gpt-6.1-terra']);
    expect(Object.keys(evaluation.arms).sort()).toEqual(['buyAndHold', 'fallback', 'llm']);
    expect(evaluation.deciders.llm.routes['gpt-api/gpt-6.1-terra']).toBeGreaterThan(0);
    expect(evaluation.perturbation.skipped).toBeUndefined();
    expect(evaluation.perturbation.identity?.llm.compared).toBeGreaterThan(0);
    expect(evaluation.perturbation.data?.llm.compared).toBeGreaterThan(0);
    // The fallbacks' control decides the same on the same bars under another name and dates.
    expect(evaluation.perturbation.identity?.control.changed).toBe(0);
    const reportDir = path.join(folder, 'context', 'reports', 'evaluations', 'contam-evaluate-run');
    expect(evaluation.files.map((file) => path.relative(reportDir, file)).sort()).toEqual([
      'equity-buy-and-hold.json',
      'equity-fallback.json',
      'equity-llm.json',
      'equity.png',
      'evaluation.json',
      'evaluation.md',
      'report.html',
    ]);
    expect(readFileSync(path.join(reportDir, 'report.html'), 'utf8')).toContain('class="contaminated"');
  });

  it('refuses to run above evaluate.maxUsd without --yes, before any LLM call', async () => {
    const { result, requests } = await backtest(
      'over-budget',
      { trainingCutoff: '2014-05' },
      ['evaluate', '--json'],
      'evaluate:\n  maxUsd: 0.0001\n',
    );
    expect(result.code).not.toBe(0);
    expect(requests).toBe(0);
    expect(result.stderr).toContain('above evaluate.maxUsd');
    expect(result.stderr).toContain('--yes');
  });
});
