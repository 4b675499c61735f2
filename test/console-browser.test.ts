import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { repoRoot, runCli, waitForLine } from './support/processes.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';

/**
 * The operator console in a real browser (Debian's Chromium driven by playwright-core) against
 * a real `signet start`: decisions arrive live, a chain opens, the journal reads, a halt raised
 * from the CLI shows as a banner and is resumed from the console with token and acknowledgement.
 */
const chromiumPath = process.env.SIGNET_CHROMIUM ?? '/usr/bin/chromium';
const token = 'browser-test-operator-token-7f3a9c';
const shots = path.join(repoRoot, 'test-output', 'console');

let database: TestDatabase;
let folder: string;
let brain: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let consoleUrl: string;
let env: NodeJS.ProcessEnv;
const bridgeToken = 'console-test-bridge-token';
/** A valid 1×1 PNG. */
const onePixelPng =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const requested: string[] = [];

async function apiState(): Promise<{ account: unknown; halt: { level: number | null } }> {
  const response = await fetch(`${consoleUrl}api/v1/state`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as { account: unknown; halt: { level: number | null } };
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

describe('operator console in Chromium', () => {
  beforeAll(async () => {
    // The bundle the brain serves: built here too, so `npx vitest run` without `npm test` works.
    execFileSync(
      process.execPath,
      [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
      {
        cwd: repoRoot,
        stdio: 'ignore',
      },
    );
    mkdirSync(shots, { recursive: true });
    database = await createTestDatabase({ migrate: false });
    folder = walkableTempDir(path.join(tmpdir(), 'signet-console-'));
    // Where `signet backtest --report` writes by default: the console shows it with no setting.
    const reports = path.join(folder, 'context', 'reports', 'backtests', 'sma-run');
    mkdirSync(reports, { recursive: true });
    writeFileSync(
      path.join(reports, 'report.html'),
      '<!doctype html><h1>Backtest report sma-run</h1><p>Sharpe 1.2</p>',
    );
    // The equity series `--report` writes beside it: the console charts it with lightweight-charts.
    writeFileSync(
      path.join(reports, 'equity.json'),
      JSON.stringify({
        times: [0, 1, 2, 3].map((day) => Date.UTC(2024, 0, 2 + day)),
        values: [100, 104, 97, 101],
      }),
    );
    // An evaluation as `signet evaluate` writes it: its page, and one equity series per arm.
    const evaluation = path.join(folder, 'context', 'reports', 'evaluations', 'eval-run');
    mkdirSync(evaluation, { recursive: true });
    writeFileSync(path.join(evaluation, 'report.html'), '<!doctype html><h1>Evaluation eval-run</h1>');
    const evaluationTimes = [0, 1, 2, 3, 4].map((day) => Date.UTC(2024, 0, 2 + day));
    for (const [arm, values] of [
      ['llm', [100, 110, 99, 105, 112]],
      ['fallback', [100, 102, 101, 100, 103]],
      ['buy-and-hold', [100, 95, 90, 96, 99]],
    ] as const)
      writeFileSync(
        path.join(evaluation, `equity-${arm}.json`),
        JSON.stringify({ times: evaluationTimes, values }),
      );
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
    env = {
      SIGNET_CONFIG: path.join(folder, 'signet.yaml'),
      DATABASE_URL: database.url,
      SIGNET_OPERATOR_TOKEN: token,
      SIGNET_MT5_TOKEN: bridgeToken,
    };
    brain = spawn(process.execPath, [path.join(repoRoot, 'bin/signet.js'), 'start'], {
      cwd: folder,
      env: { ...process.env, ...env },
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
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
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

  it('asks for the token once, then shows the overview', async () => {
    await page.goto(consoleUrl);
    await page.fill('input[name=token]', 'wrong-token');
    await page.click('button[type=submit]');
    await page.getByText('That token was refused.').waitFor();
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.locator('[data-page=overview]').waitFor();
    await page.getByRole('heading', { name: 'Open positions' }).waitFor();
    await page.getByRole('heading', { name: 'Heartbeats' }).waitFor();
    // The first bar writes the account snapshot; a reload then shows equity (and keeps the token).
    for (let attempt = 0; attempt < 50; attempt++) {
      const state = await apiState();
      if (state.account) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await page.reload();
    await page.locator('[data-page=overview]').waitFor();
    await page.locator('td', { hasText: 'brain' }).first().waitFor();
    expect(await page.locator('[data-testid=equity]').textContent()).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
    // No LLM configured: the panel counts who actually decided, and that is the fallback.
    const deciders = (await page.locator('[data-testid=llm-deciders]').textContent()) ?? '';
    expect(deciders).toMatch(
      /^(No agent decision since the brain started\.|Decided by \(since the brain started, \d+ decisions\): fallback \d+, failure 0)$/,
    );
    expect(deciders).not.toMatch(/llm|anthropic/i);
    const stored = await page.evaluate(() =>
      (
        globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }
      ).sessionStorage.getItem('signet.operatorToken'),
    );
    expect(stored).toBe(token);
    await shot('overview');
  });

  it('shows a live decision arriving without reload, and opens its chain', async () => {
    await page.click('a[data-nav=live]');
    await page.locator('[data-testid=stream-state]', { hasText: 'connected' }).waitFor();
    await expect
      .poll(async () => Number(await page.locator('[data-testid=live-count]').textContent()), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    // A cycle that completes after the page opened arrives over the stream; its link opens the chain.
    const liveCycle = page.locator('.live-message.streamed[data-topic="cycle.completed"] a').first();
    await liveCycle.waitFor({ timeout: 30_000 });
    await shot('live');
    // Hold the element itself: newer messages keep arriving at the top of the list.
    const link = await liveCycle.elementHandle();
    const cycleId = await link!.textContent();
    // The list keeps moving as messages arrive, so the link is never "stable" for a pointer
    // click; the click event itself is what the operator's click sends.
    await link!.dispatchEvent('click');
    await page.locator('[data-page=chain]').waitFor();
    expect(await page.locator('[data-page=chain] h1').textContent()).toBe(`Cycle ${cycleId}`);
    await page.locator('.chain .message').first().waitFor();
    const topics = await page
      .locator('.chain .message')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-topic')));
    expect(topics[0]).toBe('cycle.started');
    expect(topics).toContain('cycle.completed');
    expect(topics.length).toBeGreaterThan(2);
    expect(topics).toEqual(expect.arrayContaining(['macro.view', 'ceo.budget']));
    // The market-wide agents the cycle ran under, above the chain.
    expect(await page.locator('[data-testid=chain-macro]').textContent()).toMatch(
      /^(risk_on|neutral|risk_off) · /,
    );
    expect(await page.locator('[data-testid=chain-ceo]').textContent()).toMatch(
      /cap [\d.]+ · \d+\/\d+ new positions/,
    );
    await shot('decision-chain');
    await page.click('a[data-nav=decisions]');
    await page.locator('a.cycle-link', { hasText: cycleId ?? '' }).waitFor();
    await shot('decisions');
  });

  it("shows each open paper position with its stop order, working (never 'NO STOP')", async () => {
    // The stop-loss row is written with its entry and works from the fill on: the first position
    // the brain opens is protected in the console as soon as it appears.
    // The sim keeps trading: a position may close between the read and the page. Wait for one in
    // the table, reading and reloading again while none is open (the overview renders on load).
    const positions = page.locator('h2:text-is("Open positions") + table tbody tr');
    let shown = false;
    for (let attempt = 0; attempt < 12 && !shown; attempt++) {
      let held: Array<{ symbol: string; stop_status: string | null }> = [];
      for (let poll = 0; poll < 240 && held.length === 0; poll++) {
        held = (
          await database.store.query<{ symbol: string; stop_status: string | null }>(
            `SELECT p.symbol, s.status AS stop_status FROM positions p
               LEFT JOIN orders s ON s.client_order_id = p.stop_client_order_id WHERE p.broker = 'paper'`,
          )
        ).rows;
        if (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(held.length).toBeGreaterThan(0);
      expect(held.map((row) => row.stop_status)).toEqual(held.map(() => 'open'));
      await page.click('a[data-nav=overview]');
      await page.locator('[data-page=overview]').waitFor();
      await page.reload();
      // The table right after the "Open positions" heading; each row's Stop order cell (the sixth, after Side) says open.
      shown = await positions
        .first()
        .waitFor({ timeout: 5_000 })
        .then(
          () => true,
          () => false,
        );
    }
    expect(shown, 'an open position in the console').toBe(true);
    const stopOrders = await positions.evaluateAll((rows) =>
      rows.map((row) => (row as unknown as { cells: Array<{ textContent: string }> }).cells[5]?.textContent),
    );
    expect(stopOrders.length).toBeGreaterThan(0);
    expect(stopOrders).toEqual(stopOrders.map(() => 'open'));
    expect(await page.locator('[data-page=overview]').textContent()).not.toContain('NO STOP');
    await shot('positions');
  });

  it('charts an open position: candles zoom on the wheel, its fills are markers, its stop and target are price lines', async () => {
    type Held = { symbol: string; stopPrice: number | null; takeProfitPrice: number | null };
    let shown: { held: Held; lines: string } | null = null;
    // The sim keeps trading: a position may close between the read and the page; take the next one.
    for (let attempt = 0; attempt < 120 && !shown; attempt++) {
      const { positions } = (await (
        await fetch(`${consoleUrl}api/v1/positions`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { positions: Held[] };
      const held = positions.find((position) => position.stopPrice !== null);
      if (!held) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      await page.goto(`${consoleUrl}#/charts?symbol=${held.symbol}`);
      const chart = page.locator('[data-testid=price-chart][data-ready=true]');
      await chart.waitFor();
      const lines = (await chart.getAttribute('data-price-lines')) ?? '';
      if (lines.includes(`stop ${held.symbol} ${held.stopPrice}`)) shown = { held, lines };
    }
    expect(shown, 'an open position charted with its stop line').not.toBeNull();
    const { held, lines } = shown!;
    if (held.takeProfitPrice !== null)
      expect(lines).toContain(`target ${held.symbol} ${held.takeProfitPrice}`);
    const chart = page.locator('[data-testid=price-chart]');
    // The position's entry fill is on the chart.
    expect(Number(await chart.getAttribute('data-markers'))).toBeGreaterThan(0);
    // Wheel over the candles zooms in: fewer bars are visible.
    const span = (visible: string | null) => {
      const [from, to] = (visible ?? '').split('..').map(Number);
      return (to ?? Number.NaN) - (from ?? Number.NaN);
    };
    const before = span(await chart.getAttribute('data-visible'));
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -600);
    await expect.poll(async () => span(await chart.getAttribute('data-visible'))).toBeLessThan(before);
    await shot('chart-position');
    await page.click('a[data-nav=overview]');
    const equity = page.locator('[data-testid=equity-chart][data-ready=true]');
    await equity.waitFor();
    expect(Number(await equity.getAttribute('data-points'))).toBeGreaterThan(1);
    await shot('overview-equity');
  });

  it('raises a halt from the CLI: the banner appears; resume needs token and acknowledgement', async () => {
    const halted = await runCli(
      ['halt', '--level', '2', '--reason', 'browser test: broker feed looks stale'],
      {
        cwd: folder,
        env,
      },
    );
    expect(halted.code, halted.stderr).toBe(0);
    const banner = page.locator('[data-testid=halt-banner]');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain('HALT level 2');
    expect(await banner.textContent()).toContain('broker feed looks stale');
    await shot('halt-banner');
    await banner.getByRole('button', { name: 'Resume…' }).click();
    const panel = page.locator('.resume-panel');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('browser test: broker feed looks stale');
    // The halt's journal entry is shown before the form.
    expect(await panel.locator('[data-testid=journal-entry]').textContent()).toContain('halted');
    await shot('resume-form');
    // A wrong token is refused and the halt stays.
    await panel.locator('input[name=token]').fill('not-the-token');
    await panel.locator('textarea[name=acknowledgement]').fill('checked the feed and the broker positions');
    await panel.getByRole('button', { name: 'Resume trading' }).click();
    await panel.locator('.error', { hasText: 'token' }).waitFor();
    await panel.locator('input[name=token]').fill(token);
    await panel.getByRole('button', { name: 'Resume trading' }).click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    expect((await apiState()).halt.level).toBe(0);
    await shot('resumed');
  });

  it('raises a halt from the console: the banner shows it; resume with token and acknowledgement removes it', async () => {
    await page.click('a[data-nav=overview]');
    const control = page.locator('[data-testid=halt-control]');
    await control.waitFor();
    await control.locator('select[name=halt-level]').selectOption('3');
    await control.locator('input[name=halt-reason]').fill('console test: spreads too wide');
    await control.getByRole('button', { name: 'Raise halt' }).click();
    await control.getByText('Halt raised to level 3.').waitFor();
    const banner = page.locator('[data-testid=halt-banner]');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain('HALT level 3');
    expect(await banner.textContent()).toContain('console test: spreads too wide');
    await banner.getByRole('button', { name: 'Resume…' }).click();
    const panel = page.locator('.resume-panel');
    // The halt's journal entry, written by the console's halt (through the api), comes first.
    const entry = panel.locator('[data-testid=journal-entry]');
    await entry.waitFor();
    expect(await entry.textContent()).toContain('through the api');
    await panel.locator('input[name=token]').fill(token);
    await panel
      .locator('textarea[name=acknowledgement]')
      .fill('checked spreads are back to normal at the broker');
    await panel.getByRole('button', { name: 'Resume trading' }).click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    expect((await apiState()).halt.level).toBe(0);
  });

  it('reads a journal entry, rendered from markdown, and searches a day', async () => {
    await page.click('a[data-nav=journal]');
    await page.locator('a.journal-link').first().waitFor();
    await shot('journal');
    await page.fill('input[name=q]', 'broker feed looks stale');
    await page.click('form.toolbar button[type=submit]');
    await page.locator('a.journal-link', { hasText: 'halted' }).first().click();
    const entry = page.locator('[data-testid=journal-entry]');
    await entry.waitFor();
    expect(await entry.locator('h1, h2').count()).toBeGreaterThan(0);
    expect(await entry.textContent()).toContain('broker feed looks stale');
    await shot('journal-entry');
    // A day's chat commands (the Telegram bot's operator log) are linked from that day's page.
    const day = path.join(folder, 'context', 'journal', '2024-01-05');
    mkdirSync(day, { recursive: true });
    writeFileSync(
      path.join(day, 'operator.md'),
      '# Operator commands, 2024-01-05 (UTC)\n\n- 09:30:00 telegram user 77 (chat 5001) `/status` received\n',
    );
    await page.goto(`${consoleUrl}#/journal?day=2024-01-05`);
    await page.locator('a.operator-log-link').click();
    await page.locator('[data-testid=journal-entry]', { hasText: 'telegram user 77 (chat 5001)' }).waitFor();
  });

  it('shows costs, charts with fills and backtest reports', async () => {
    await page.click('a[data-nav=costs]');
    await page.locator('[data-page=costs]').waitFor();
    await shot('costs');
    // A filled entry on a recent bar (broker "test", so the paper session ignores it) shows as a marker.
    const bars = (await (
      await fetch(`${consoleUrl}api/v1/bars?symbol=ALPHA&limit=20`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { bars: Array<{ time: number; close: number }> };
    const bar = bars.bars[5]!;
    await database.store.query(
      `INSERT INTO orders (client_order_id, broker, leg, symbol, side, type, qty, status) VALUES ('chart-test-1', 'test', 'entry', 'ALPHA', 'buy', 'market', 5, 'filled')`,
    );
    await database.store.query(
      `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, ts) VALUES ('chart-test-1', 'chart-fill-1', 'test', 'ALPHA', 'buy', 5, $1, $2)`,
      [bar.close, new Date(bar.time)],
    );
    // A short entry (a sell that opens) is marked as one in the fills table (issue 21).
    await database.store.query(
      `INSERT INTO orders (client_order_id, broker, leg, symbol, side, type, qty, status) VALUES ('chart-test-short', 'test', 'entry', 'ALPHA', 'sell', 'market', 3, 'filled')`,
    );
    await database.store.query(
      `INSERT INTO fills (client_order_id, broker_fill_id, broker, symbol, side, qty, price, ts) VALUES ('chart-test-short', 'chart-fill-short', 'test', 'ALPHA', 'sell', 3, $1, $2)`,
      [bars.bars[8]!.close, new Date(bars.bars[8]!.time)],
    );
    // The MT5 EA posts a picture of its own chart (raw PNG bytes, as SignetBridge does).
    const capture = await fetch(
      `${consoleUrl}mt5/v1/chart?terminal_id=51234567%40Broker-Demo&symbol=ALPHA&timeframe=D1&t=1763656800&msg_id=cap-1`,
      {
        method: 'POST',
        headers: { 'X-Bridge-Token': bridgeToken, 'Content-Type': 'image/png' },
        body: Buffer.from(onePixelPng, 'base64'),
      },
    );
    expect(capture.status).toBe(200);
    await page.click('a[data-nav=charts]');
    await page.locator('[data-testid=price-chart][data-ready=true]').waitFor();
    // The sim brain may have bought ALPHA too: the fill inserted here is among the markers.
    await page.locator('td', { hasText: 'chart-test-1' }).waitFor();
    expect(
      Number(await page.locator('[data-testid=price-chart]').getAttribute('data-markers')),
    ).toBeGreaterThan(0);
    await page.locator('[data-page=charts] td .badge.short', { hasText: 'short entry' }).first().waitFor();
    // Shown from the bytes fetched with the operator token: the image decodes.
    const picture = page.locator('[data-testid=capture]');
    await picture.waitFor();
    await expect
      .poll(() => picture.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(1);
    await shot('charts');
    await page.click('a[data-nav=reports]');
    await page.locator('a', { hasText: 'sma-run/report.html' }).click();
    const frame = page.frameLocator('iframe.report');
    await frame.getByText('Backtest report sma-run').waitFor();
    const reportChart = page.locator('.report-charts [data-testid=equity-chart][data-ready=true]');
    await reportChart.waitFor();
    expect(await reportChart.getAttribute('data-points')).toBe('4');
    // 104 → 97: the drawdown pane's deepest point.
    expect(await reportChart.getAttribute('data-max-drawdown')).toBe('-7');
    await shot('reports');
    // An evaluation: one chart, an equity line per arm, each arm's drawdown (%) below.
    await page.locator('a', { hasText: 'eval-run/report.html' }).click();
    await page.frameLocator('iframe.report').getByText('Evaluation eval-run').waitFor();
    const armsChart = page.locator('.report-charts [data-testid=arms-chart][data-ready=true]');
    await armsChart.waitFor();
    expect(await armsChart.getAttribute('data-series')).toBe('3');
    expect(await armsChart.getAttribute('data-arms')).toBe('LLM,fallback,buy-and-hold');
    const depths = JSON.parse((await armsChart.getAttribute('data-max-drawdown-pct')) ?? '{}') as Record<
      string,
      number
    >;
    // 110 → 99 (−10 %), 102 → 100, 100 → 90 (−10 %).
    expect(depths.LLM).toBeCloseTo(-10, 6);
    expect(depths.fallback).toBeCloseTo((-2 / 102) * 100, 6);
    expect(depths['buy-and-hold']).toBeCloseTo(-10, 6);
    await shot('reports-evaluation');
  });

  it('loads nothing from outside the brain and carries no secret in the bundle', async () => {
    const origin = new URL(consoleUrl).origin;
    const outside = requested.filter(
      (url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'),
    );
    expect(outside).toEqual([]);
    const assets = path.join(repoRoot, 'web', 'dist', 'assets');
    for (const name of readdirSync(assets)) {
      const text = readFileSync(path.join(assets, name), 'utf8');
      expect(text).not.toContain(token);
      // lightweight-charts' attribution link (its licence asks for it) is a link, never a load.
      expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org|www\.tradingview\.com\/\?utm_medium=lwc-link)/);
    }
  });
});
