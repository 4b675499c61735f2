import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, waitForLine } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

/**
 * The console's decision chain in a real browser (Debian's Chromium driven by playwright-core,
 * as in console-browser.test.ts) against a real `signet start` in sim: the Macro Officer's view,
 * the CEO's directive and budget, each candidate's Regime stance and proposal, and the shipped
 * challenger's decision beside the proposal with a "shadow" badge, never on the order's path.
 */
const chromiumPath = process.env.SIGNET_CHROMIUM ?? '/usr/bin/chromium';
const token = 'chain-browser-operator-token-2b8e41';
const shots = path.join(repoRoot, 'test-output', 'console');

let database: TestDatabase;
let brain: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let consoleUrl: string;

describe('decision chain in Chromium', () => {
  beforeAll(async () => {
    // The bundle the brain serves: built here too, so `npx vitest run` without `npm test` works.
    execFileSync(
      process.execPath,
      [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
      { cwd: repoRoot, stdio: 'ignore' },
    );
    mkdirSync(shots, { recursive: true });
    database = await createTestDatabase({ migrate: false });
    const folder = walkableTempDir(path.join(tmpdir(), 'signet-chain-console-'));
    writeFileSync(
      path.join(folder, 'signet.yaml'),
      [
        `dataDir: ${path.join(folder, 'state')}`,
        'logLevel: warn',
        'schedule:',
        '  barIntervalMs: 250',
        'ingress:',
        '  port: 0',
        '',
      ].join('\n'),
    );
    brain = spawn(process.execPath, [path.join(repoRoot, 'bin/signet.js'), 'start'], {
      cwd: folder,
      env: {
        ...process.env,
        SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
        DATABASE_URL: database.url,
        SIGNET_OPERATOR_TOKEN: token,
        SIGNET_MT5_TOKEN: 'chain-console-bridge-token',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    brain.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await waitForLine(brain, 'Stop with Ctrl-C', 90_000);
    const match = /console {2}: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
    expect(match, stdout).not.toBeNull();
    consoleUrl = match?.[1] ?? '';
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (brain && brain.exitCode === null) {
      const exited = new Promise((resolve) => brain?.once('exit', resolve));
      brain.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (brain.exitCode === null) brain.kill('SIGKILL');
    }
    await database?.drop();
  });

  it('shows the Macro Officer, the CEO and each challenger decision with a shadow badge beside its proposal', async () => {
    // A finished cycle whose champion proposals each have a shadow answer (the shipped challenger;
    // no LLM here, so it says it has no answer: it has no fallback).
    let cycleId: string | undefined;
    for (let attempt = 0; attempt < 240 && !cycleId; attempt++) {
      const rows = await database.store.query<{ cycle_id: string }>(
        `SELECT c.cycle_id FROM agent_messages c
           WHERE c.topic = 'cycle.completed'
             AND EXISTS (SELECT 1 FROM agent_messages s WHERE s.cycle_id = c.cycle_id AND s.topic = 'strategist.shadow')
           ORDER BY c.id LIMIT 1`,
      );
      cycleId = rows.rows[0]?.cycle_id;
      if (!cycleId) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(cycleId, 'a completed cycle with shadow decisions').toBeTruthy();
    const shadowRows = await database.store.query<{ id: string; causation_id: string }>(
      "SELECT id, causation_id FROM agent_messages WHERE cycle_id = $1 AND topic = 'strategist.shadow' ORDER BY id",
      [cycleId],
    );

    await page.goto(consoleUrl);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.locator('[data-page=overview]').waitFor();
    await page.goto(`${consoleUrl}#/decisions/${encodeURIComponent(cycleId!)}`);
    const chain = page.locator('[data-testid=decision-chain]');
    await chain.waitFor();

    // The desk in order: the Macro Officer's view, the CEO's directive, the budget the cycle ran under.
    const desk = await page
      .locator('[data-testid=chain-desk-steps] > li')
      .evaluateAll((items) => items.map((item) => [item.getAttribute('data-topic'), item.textContent ?? '']));
    expect(desk.map(([topic]) => topic)).toEqual(['macro.view', 'ceo.directive', 'ceo.budget']);
    expect(desk[0]![1]).toMatch(/^Macro Officer (risk_on|neutral|risk_off) \(/);
    expect(desk[0]![1]).toContain('by fallback');
    expect(desk[1]![1]).toMatch(/^CEO directive day \d{4}-\d{2}-\d{2}: /);
    expect(desk[2]![1]).toMatch(/^CEO budget /);

    // Each shadow decision: a badge reading "shadow", right after the proposal it answers.
    const shadows = chain.locator('[data-testid=chain-shadow]');
    expect(await shadows.count()).toBe(shadowRows.rows.length);
    const badges = chain.locator('[data-testid=shadow-badge]');
    expect(await badges.count()).toBe(shadowRows.rows.length);
    expect(await badges.first().isVisible()).toBe(true);
    expect((await badges.allTextContents()).every((text) => text === 'shadow')).toBe(true);
    const shadowText = (await shadows.first().textContent()) ?? '';
    expect(shadowText).toMatch(/^shadow strategist\/conservative no answer \(no_fallback: /);
    expect(shadowText).toContain('by nobody');
    expect(shadowText).toContain('not on the order path');
    for (const row of shadowRows.rows) {
      const item = chain.locator(`li[data-message-id="${row.id}"]`);
      expect(await item.getAttribute('data-shadow')).toBe('true');
      // The item right before it is the champion's proposal it answers.
      const previous = await item.evaluate((element) => {
        const before = element.previousElementSibling;
        return [before?.getAttribute('data-topic'), before?.getAttribute('data-message-id')];
      });
      expect(previous).toEqual(['strategist.proposal', String(row.causation_id)]);
    }
    // Every candidate starts at its Regime stance, then the champion's proposal.
    const firstSteps = await chain
      .locator('.candidate')
      .evaluateAll((candidates) =>
        candidates.map((candidate) =>
          [...candidate.querySelectorAll('li')].slice(0, 2).map((item) => item.getAttribute('data-topic')),
        ),
      );
    expect(firstSteps.length).toBeGreaterThan(0);
    for (const steps of firstSteps) expect(steps).toEqual(['regime.stance', 'strategist.proposal']);
    // In the full message list the shadow messages carry the badge too.
    expect(await page.locator('.chain .message.shadow .badge.shadow').count()).toBe(shadowRows.rows.length);
    await shot('decision-chain-shadow');
  });
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}
