import type { Command } from 'commander';
import { type LedgerSummaryRow, ledgerSummary, readLlmStatus } from '../../llm/index.ts';
import type { CliContext } from '../context.ts';

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(value: string, flag: string): Date {
  const date = new Date(`${value}T00:00:00Z`);
  if (!dayPattern.test(value) || Number.isNaN(date.getTime()))
    throw new Error(`${flag} "${value}" is not a day: use YYYY-MM-DD (UTC), e.g. 2026-11-21`);
  return date;
}

const usd = (value: number) => `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 6 : 4)}`;

export function registerLlmCommands(program: Command, context: CliContext): void {
  const llm = program.command('llm').description('the LLM router: routes, circuit breakers, budget');

  llm
    .command('status')
    .description('configured routes with their breaker state (as persisted by the router), mode and budget')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = context.config();
      const store = await context.store();
      const status = await readLlmStatus(store, config.llm);
      if (options.json) {
        context.json(status);
        return;
      }
      if (!status.configured) {
        context.out('no LLM configured (llm.routes is empty): agents use their deterministic fallbacks');
        return;
      }
      context.out(`mode: ${status.mode}`);
      const budget = status.budget;
      context.out(
        budget.dailyUsd > 0
          ? `budget: ${usd(budget.spentTodayUsd)} of ${usd(budget.dailyUsd)} spent today (UTC)${budget.exhausted ? ' — EXHAUSTED: paid routes skipped' : ''}`
          : `budget: no daily cap (spent today: ${usd(budget.spentTodayUsd)})`,
      );
      context.out(
        table(
          ['route', 'kind', 'model', 'billing', 'state', 'failures', 'retry at', 'last error'],
          status.routes.map((route) => [
            route.enabled ? route.name : `${route.name} (disabled)`,
            route.kind,
            route.model,
            route.billing,
            route.state.toUpperCase(),
            String(route.consecutiveFailures),
            route.retryAt ?? '',
            route.lastErrorCode ? `${route.lastErrorCode}: ${(route.lastError ?? '').slice(0, 60)}` : '',
          ]),
        ),
      );
      // Loud, never silent: a refused request stays listed until that route answers that skill.
      for (const rejection of status.rejections) {
        context.out(`REJECTED ${rejection.headline} (since ${rejection.at})`);
        if (rejection.fix) context.out(`  fix: ${rejection.fix}`);
      }
    });

  program
    .command('ledger')
    .description('LLM spend by UTC day, route, model and agent (notional = covered by a subscription)')
    .option('--from <day>', 'first day, YYYY-MM-DD (default: 6 days ago)')
    .option('--to <day>', 'last day, inclusive, YYYY-MM-DD (default: today)')
    .option('--json', 'print as JSON')
    .action(async (options: { from?: string; to?: string; json?: boolean }) => {
      const today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
      const to = options.to ? parseDay(options.to, '--to') : today;
      const from = options.from ? parseDay(options.from, '--from') : new Date(to.getTime() - 6 * 86_400_000);
      if (from > to)
        throw new Error(`--from (${options.from}) must not be after --to (${options.to ?? 'today'})`);
      const end = new Date(to.getTime() + 86_400_000);
      const store = await context.store();
      const rows = await ledgerSummary(store, from, end);
      if (options.json) {
        context.json({ from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10), rows });
        return;
      }
      if (rows.length === 0) {
        context.out(
          `no LLM calls between ${from.toISOString().slice(0, 10)} and ${to.toISOString().slice(0, 10)}`,
        );
        return;
      }
      const total = (pick: (row: LedgerSummaryRow) => number) =>
        rows.reduce((sum, row) => sum + pick(row), 0);
      context.out(
        table(
          [
            'day',
            'route',
            'model',
            'agent',
            'attempts',
            'ok',
            'in',
            'out',
            'cached',
            'cost',
            'notional',
            'avg ms',
          ],
          [
            ...rows.map((row) => [
              row.day,
              row.route,
              row.model,
              row.agent,
              String(row.attempts),
              String(row.ok),
              String(row.inputTokens),
              String(row.outputTokens),
              String(row.cachedTokens),
              usd(row.costUsd),
              usd(row.notionalUsd),
              String(row.avgLatencyMs),
            ]),
            [
              'total',
              '',
              '',
              '',
              String(total((row) => row.attempts)),
              String(total((row) => row.ok)),
              String(total((row) => row.inputTokens)),
              String(total((row) => row.outputTokens)),
              String(total((row) => row.cachedTokens)),
              usd(total((row) => row.costUsd)),
              usd(total((row) => row.notionalUsd)),
              '',
            ],
          ],
        ),
      );
    });
}
