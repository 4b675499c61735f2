import { describeDeciders } from '../agents/index.ts';
import { repeatedDisagreements } from './analyze.ts';
import { renderChallengers } from './challengers.ts';
import type { OptimizerReport } from './report-types.ts';

const pct = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(0)}%`);
const num = (value: number | null, digits = 2) => (value === null ? '—' : value.toFixed(digits));
const usd = (value: number) => `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 6 : 4)}`;
/** One table cell: no pipes or line breaks from free text. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*[\r\n]+\s*/g, ' ');

function table(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Rows of the vetoed-setups table; the JSON twin has them all. */
const shownSetups = 50;

/** The report for a person: findings first, then the figures behind them. */
export function renderReport(report: OptimizerReport): string {
  const parts: string[] = [
    `# Self-optimizer report — ${report.label}`,
    `Window ${report.window.from} → ${report.window.to} (UTC), generated ${report.generatedAt}. ` +
      'This report recommends; it changes nothing. Every suggestion below waits for the operator.',
  ];
  const { activity } = report;
  parts.push(
    '## At a glance',
    [
      `- cycles: ${activity.cycles}; strategist decisions: ${activity.decisions}; trade proposals: ${activity.proposals}`,
      `- signed: ${activity.signed}; vetoed: ${activity.vetoed}`,
      `- entry fills: ${activity.entryFills}; closed trades: ${activity.closedTrades}; realised P&L: ${activity.pnl.toFixed(2)}`,
      `- LLM: ${report.llm.totals.calls} calls, ${usd(report.llm.totals.costUsd)} spent (${usd(report.llm.totals.notionalUsd)} notional)`,
    ].join('\n'),
  );
  parts.push('## Findings');
  if (report.findings.length === 0) parts.push('Nothing stood out.');
  else
    parts.push(
      report.findings
        .map((finding) => `- ${finding.level === 'review' ? '**review** — ' : ''}${finding.text}`)
        .join('\n'),
    );
  parts.push('## Suggested experiments (proposals for the operator; nothing was applied)');
  if (report.experiments.length === 0) parts.push('None.');
  else
    parts.push(
      report.experiments
        .map(
          (experiment, index) =>
            `${index + 1}. **${experiment.title}** — ${experiment.why} ${experiment.how}`,
        )
        .join('\n'),
    );

  parts.push('## Strategies and skills');
  if (report.strategies.length === 0) parts.push('No strategist decisions or trades in this window.');
  else {
    parts.push(
      table(
        [
          'strategy',
          'decisions',
          'proposals',
          'signed',
          'vetoed',
          'veto rate',
          'entry fills',
          'closed',
          'P&L',
          'win rate',
          'avg R',
        ],
        report.strategies.map((strategy) => [
          strategy.key,
          String(strategy.decisions),
          String(strategy.proposals),
          String(strategy.signed),
          String(strategy.vetoed),
          pct(strategy.vetoRate),
          String(strategy.entryFills),
          String(strategy.closedTrades),
          strategy.pnl.toFixed(2),
          pct(strategy.winRate),
          num(strategy.averageR),
        ]),
      ),
    );
    const reasons = report.strategies.flatMap((strategy) =>
      strategy.vetoReasons.map((reason) => [
        strategy.key,
        reason.signer,
        reason.reason,
        String(reason.count),
      ]),
    );
    if (reasons.length > 0)
      parts.push(
        '### Vetoes by signer and reason',
        table(['strategy', 'signer', 'reason (figures as #)', 'count'], reasons),
      );
  }

  parts.push('## Vetoed setups: how they would have ended');
  parts.push(
    `Replayed on ${report.barSource} with the paper broker's rules (a bar that touches both stop and target counts as the stop). ` +
      '"Saved" = would have hit its stop first; "cost" = would have hit its target first; "undecided" = neither within its horizon, marked at the horizon’s close.',
  );
  if (report.signers.length === 0) parts.push('No vetoed setups in this window.');
  else
    parts.push(
      table(
        [
          'signer',
          'vetoes',
          'saved',
          'cost',
          'undecided (R marked)',
          'not entered / no data',
          'precision',
          'forgone R',
          'forgone P&L',
        ],
        report.signers.map((signer) => [
          signer.signer,
          String(signer.vetoes),
          String(signer.saved),
          String(signer.cost),
          `${signer.undecided} (${signer.undecidedR.toFixed(2)})`,
          `${signer.notEntered} / ${signer.noData}`,
          pct(signer.precision),
          signer.forgoneR.toFixed(2),
          signer.forgonePnl.toFixed(2),
        ]),
      ),
      table(
        ['when', 'symbol', 'strategy', 'vetoed by', 'trade', 'would have', 'R'],
        report.vetoedSetups
          .slice(0, shownSetups)
          .map((setup) => [
            setup.at.slice(0, 16).replace('T', ' '),
            setup.symbol,
            setup.strategy,
            setup.vetoedBy.join(', '),
            `${setup.trade.side === 'sell' ? 'sell (short)' : 'buy'} ${setup.trade.entryType} ${setup.trade.entryPrice} stop ${setup.trade.stopPrice} target ${setup.trade.targetPrice} (${setup.trade.horizonBars} bars)`,
            `${setup.counterfactual.outcome}${setup.counterfactual.exitPrice === null ? '' : ` at ${setup.counterfactual.exitPrice}`}${setup.counterfactual.truncated ? ' (data ended)' : ''}`,
            setup.counterfactual.r.toFixed(2),
          ]),
      ),
    );
  if (report.vetoedSetups.length > shownSetups)
    parts.push(`… and ${report.vetoedSetups.length - shownSetups} more vetoed setups in the JSON twin.`);

  parts.push('## Regime agent vs. Macro Officer');
  const { regimeMacro } = report;
  if (!regimeMacro.macroWired)
    parts.push('There were no Macro Officer views in this window to compare with the Regime agent.');
  else {
    parts.push(
      `${regimeMacro.disagreements} disagreement(s) in ${regimeMacro.compared} comparison(s) (opposite directions, or volatile against a trend); flagged: ${repeatedDisagreements} or more in the week.`,
    );
    const rows = regimeMacro.rows ?? [];
    if (rows.length > 0)
      parts.push(
        table(
          [
            'symbol',
            'compared',
            'disagreed',
            'disagreed this week',
            'last regime agent',
            'last macro officer',
            'flag',
          ],
          rows.map((row) => [
            row.symbol,
            String(row.compared),
            String(row.disagreements),
            String(row.weekDisagreements),
            row.lastRegime,
            row.lastMacro,
            row.flagged ? 'review' : '',
          ]),
        ),
      );
    if (regimeMacro.examples.length > 0)
      parts.push(
        table(
          ['cycle', 'symbol', 'regime agent', 'macro officer'],
          regimeMacro.examples.map((example) => [
            example.cycleId,
            example.symbol ?? '—',
            example.regime,
            example.macro,
          ]),
        ),
      );
  }

  const { llm } = report;
  parts.push('## LLM use');
  if (llm.rows.length === 0) parts.push('No LLM calls in this window.');
  else
    parts.push(
      table(
        ['agent', 'route', 'calls', 'ok', 'failed', 'repairs', 'in tokens', 'out tokens', 'cost', 'notional'],
        llm.rows.map((row) => [
          row.agent,
          row.route,
          String(row.calls),
          String(row.ok),
          String(row.failed),
          String(row.repairs),
          String(row.inputTokens),
          String(row.outputTokens),
          usd(row.costUsd),
          usd(row.notionalUsd),
        ]),
      ),
    );
  const fallbacks = Object.entries(llm.fallbackDecisions);
  parts.push(
    [
      `- failovers: ${llm.failovers.length === 0 ? 'none' : llm.failovers.map((each) => `${each.agent} answered by ${each.answeredBy} ×${each.count}`).join(', ')}`,
      `- breaker openings: ${llm.breakerOpenings.length === 0 ? 'none' : llm.breakerOpenings.map((each) => `${each.route} ×${each.count}`).join(', ')}`,
      `- budget stops: ${llm.budgetStops}`,
      `- fallback decisions: ${fallbacks.length === 0 ? 'none' : fallbacks.map(([agent, count]) => `${agent} ${count}`).join(', ')}`,
      `- decided by: ${describeDeciders(llm.deciders)}`,
      `- requests refused by a route (our configuration's fault): ${llm.requestRejections.length === 0 ? 'none' : llm.requestRejections.map((each) => `route ${each.route} rejects our request for skill ${each.skill}: ${each.message} ×${each.count}`).join('; ')}`,
    ].join('\n'),
  );
  if (llm.topPrompts.length > 0)
    parts.push(
      '### Most expensive prompts',
      table(
        ['request hash', 'agent', 'skill', 'calls', 'cost', 'notional'],
        llm.topPrompts.map((prompt) => [
          prompt.requestHash.slice(0, 16),
          prompt.agent,
          prompt.skill,
          String(prompt.calls),
          usd(prompt.costUsd),
          usd(prompt.notionalUsd),
        ]),
      ),
    );

  parts.push(...renderChallengers(report.challengers));

  parts.push('## Reflections on closed trades');
  if (report.reflections.length === 0) parts.push('No closed trades journaled in this window.');
  else
    parts.push(
      table(
        ['journal entry', 'symbol', 'side', 'return', 'held (same side)', 'note'],
        report.reflections.map((note) => [
          note.path,
          note.symbol,
          note.side ?? '—',
          note.returnPct === null ? '—' : `${note.returnPct.toFixed(2)}%`,
          note.benchmarkPct === null
            ? '—'
            : `${note.benchmarkPct.toFixed(2)}% ${note.side === 'short' ? '(short & hold)' : '(buy & hold)'}`,
          note.status === 'appended'
            ? `reflection appended (${note.decidedBy})`
            : note.status === 'already_present'
              ? 'already reflected'
              : 'journal file missing',
        ]),
      ),
    );
  if (report.notes.length > 0) parts.push('## Notes', report.notes.map((note) => `- ${note}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}
