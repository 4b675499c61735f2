import type { Experiment, Finding, OptimizerReport } from './report-types.ts';

type Body = Omit<OptimizerReport, 'findings' | 'experiments'>;

const pct = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value * 100)}%`);

/** Thresholds below which a figure is too thin to say anything about. */
const minProposals = 5;
const minDecidedVetoes = 3;
const aggressiveVetoRate = 0.8;

/** Findings in plain words, each with the numbers behind it, and the experiments they suggest. */
export function deriveFindings(body: Body): { findings: Finding[]; experiments: Experiment[] } {
  const findings: Finding[] = [];
  const experiments: Experiment[] = [];
  const { activity } = body;
  if (activity.decisions === 0 && activity.entryFills === 0 && activity.closedTrades === 0) {
    findings.push({
      topic: 'activity',
      level: 'note',
      text: `No decisions, fills or closed trades between ${body.window.from} and ${body.window.to}: nothing to learn from this window.`,
      numbers: { cycles: activity.cycles },
    });
  } else if (activity.proposals > 0 && activity.signed === 0) {
    findings.push({
      topic: 'activity',
      level: 'review',
      text: `Every one of the ${activity.proposals} trade proposals was vetoed: no order left the gate.`,
      numbers: { proposals: activity.proposals, vetoed: activity.vetoed },
    });
  }
  for (const strategy of body.strategies) {
    if (
      strategy.vetoRate !== null &&
      strategy.proposals >= minProposals &&
      strategy.vetoRate >= aggressiveVetoRate
    ) {
      const regimes = Object.entries(strategy.byRegime)
        .map(([regime, counts]) => `${regime} ${counts.vetoed}/${counts.proposals}`)
        .join(', ');
      const topReason = strategy.vetoReasons[0];
      findings.push({
        topic: 'strategy',
        level: 'review',
        text: `${strategy.key} was vetoed on ${pct(strategy.vetoRate)} of its proposals (${strategy.vetoed} of ${strategy.signed + strategy.vetoed}); it may be too aggressive for the regime (vetoed/proposed by regime: ${regimes}).${topReason ? ` Most frequent reason: ${topReason.signer}: "${topReason.reason}" (${topReason.count}×).` : ''}`,
        numbers: { proposals: strategy.proposals, vetoed: strategy.vetoed, vetoRate: strategy.vetoRate },
      });
      experiments.push({
        title: `Backtest ${strategy.skill} with tighter entry conditions`,
        why: `${pct(strategy.vetoRate)} of its proposals were vetoed.`,
        how: 'Run `signet backtest` on the same window with a stricter strategist (e.g. a higher strategist.minRewardToRisk, or a skill prompt asking for regime alignment) and compare veto rate, win rate and average R.',
        applied: false,
      });
    }
    if (strategy.closedTrades >= minProposals && strategy.averageR !== null && strategy.averageR < 0) {
      findings.push({
        topic: 'strategy',
        level: 'review',
        text: `${strategy.key} lost on average ${strategy.averageR.toFixed(2)} R over ${strategy.closedTrades} closed trades (win rate ${pct(strategy.winRate)}, P&L ${strategy.pnl.toFixed(2)}).`,
        numbers: {
          closedTrades: strategy.closedTrades,
          averageR: strategy.averageR,
          winRate: strategy.winRate,
          pnl: strategy.pnl,
        },
      });
    } else if (strategy.closedTrades > 0) {
      findings.push({
        topic: 'strategy',
        level: 'note',
        text: `${strategy.key}: ${strategy.closedTrades} closed trade(s), win rate ${pct(strategy.winRate)}, average ${strategy.averageR === null ? 'n/a' : `${strategy.averageR.toFixed(2)} R`}, P&L ${strategy.pnl.toFixed(2)}.${strategy.closedTrades < minProposals ? ' Too few trades to judge.' : ''}`,
        numbers: {
          closedTrades: strategy.closedTrades,
          averageR: strategy.averageR,
          winRate: strategy.winRate,
          pnl: strategy.pnl,
        },
      });
    }
  }
  for (const signer of body.signers) {
    const decided = signer.saved + signer.cost;
    const numbers = {
      vetoes: signer.vetoes,
      saved: signer.saved,
      cost: signer.cost,
      undecided: signer.undecided,
      precision: signer.precision,
      forgoneR: signer.forgoneR,
    };
    if (decided < minDecidedVetoes) {
      findings.push({
        topic: 'signer',
        level: 'note',
        text: `${signer.signer} vetoed ${signer.vetoes} setup(s): ${signer.saved} would have hit the stop, ${signer.cost} the target, ${signer.undecided} neither within the horizon (${signer.undecidedR.toFixed(2)} R marked), ${signer.notEntered + signer.noData} never entered or without data. Too few decided to judge.`,
        numbers,
      });
    } else if (signer.cost > signer.saved) {
      findings.push({
        topic: 'signer',
        level: 'review',
        text: `${signer.signer} may be too conservative: of its ${decided} decided vetoes, ${signer.cost} would have reached the target and only ${signer.saved} the stop (precision ${pct(signer.precision)}; the vetoed setups would have made ${signer.forgoneR.toFixed(2)} R in total).`,
        numbers,
      });
      experiments.push({
        title: `Review ${signer.signer}'s veto rules`,
        why: `${signer.cost} of ${decided} decided vetoes would have won.`,
        how: `Read the vetoed setups below and the ${signer.signer} skill or limits; replay the window with a relaxed rule in a backtest before changing anything.`,
        applied: false,
      });
    } else {
      findings.push({
        topic: 'signer',
        level: 'note',
        text: `${signer.signer}'s vetoes earned their keep: ${signer.saved} of ${decided} decided vetoes would have hit the stop (precision ${pct(signer.precision)}, ${signer.forgoneR.toFixed(2)} R forgone in total).`,
        numbers,
      });
    }
  }
  const { regimeMacro } = body;
  if (!regimeMacro.macroWired) {
    findings.push({
      topic: 'regime',
      level: 'note',
      text: 'No Macro Officer views on the bus in this window: there is no second view to compare the Regime agent with.',
      numbers: { macroMessages: 0 },
    });
  } else if (regimeMacro.disagreements > 0) {
    const flagged = (regimeMacro.rows ?? []).filter((row) => row.flagged);
    for (const row of flagged) {
      findings.push({
        topic: 'regime',
        level: 'review',
        text: `The Macro Officer disagreed with the Regime agent's classification of ${row.symbol} ${row.weekDisagreements} times in the week to ${body.window.to} (last: regime agent ${row.lastRegime}, macro officer ${row.lastMacro}).`,
        numbers: { weekDisagreements: row.weekDisagreements, compared: row.compared },
      });
      experiments.push({
        title: `Replay ${row.symbol}'s regime calls against the macro view`,
        why: `${row.weekDisagreements} disagreements with the Macro Officer in a week.`,
        how: `Run \`signet backtest --pipeline full\` on ${row.symbol} over the week with the regime skill given the macro notes, and compare the stances and the trades with this week's.`,
        applied: false,
      });
    }
    findings.push({
      topic: 'regime',
      level: flagged.length > 0 ? 'review' : 'note',
      text: `The Regime agent and the Macro Officer disagreed ${regimeMacro.disagreements} time(s) out of ${regimeMacro.compared} comparisons: review those cycles.`,
      numbers: { compared: regimeMacro.compared, disagreements: regimeMacro.disagreements },
    });
  } else {
    findings.push({
      topic: 'regime',
      level: 'note',
      text: `The Regime agent and the Macro Officer agreed in all ${regimeMacro.compared} comparisons.`,
      numbers: { compared: regimeMacro.compared, disagreements: 0 },
    });
  }
  const { llm } = body;
  const fallbacks = Object.entries(llm.fallbackDecisions);
  if (fallbacks.length > 0) {
    const total = fallbacks.reduce((sum, [, count]) => sum + count, 0);
    findings.push({
      topic: 'llm',
      level: llm.totals.calls > 0 ? 'review' : 'note',
      text: `${total} decision(s) were taken by deterministic fallbacks instead of an LLM (${fallbacks.map(([agent, count]) => `${agent} ${count}`).join(', ')})${llm.totals.calls > 0 ? ' although LLM routes were called: check route health' : ': no LLM route answered or none is configured'}.`,
      numbers: { fallbackDecisions: total, llmCalls: llm.totals.calls },
    });
  }
  if (llm.totals.repairs > 0 || llm.failovers.length > 0 || llm.breakerOpenings.length > 0) {
    const failovers = llm.failovers.reduce((sum, each) => sum + each.count, 0);
    const openings = llm.breakerOpenings.reduce((sum, each) => sum + each.count, 0);
    findings.push({
      topic: 'llm',
      level: 'review',
      text: `LLM trouble: ${llm.totals.repairs} schema repair(s), ${failovers} failover(s), ${openings} breaker opening(s) over ${llm.totals.calls} calls.`,
      numbers: { repairs: llm.totals.repairs, failovers, breakerOpenings: openings, calls: llm.totals.calls },
    });
    if (llm.totals.repairs > 0)
      experiments.push({
        title: 'Tighten the output instructions of the skills that needed repairs',
        why: `${llm.totals.repairs} answer(s) failed validation on the first try.`,
        how: 'Compare the rejected answers (llm_calls, ledger rows with attempt > 1) with the skill’s Output schema section; edit the SKILL.md and replay a recorded run.',
        applied: false,
      });
  }
  return { findings, experiments };
}
