import { z } from 'zod';
import { withFields } from '../platform/index.ts';
import type { MacroView } from './macro-officer.ts';
import { type AgentOutcome, type AgentRuntime, runAgent } from './run-agent.ts';

/** The CEO's answer (mirrors skills/ceo/SKILL.md's output schema). */
export const ceoBudgetSchema = z.object({
  stance: z.enum(['risk_on', 'neutral', 'risk_off']),
  riskMultiplierCap: z.number().min(0).max(1),
  maxNewPositions: z.number().int().min(0),
  rationale: z.string().min(1),
});
export type CeoBudget = z.infer<typeof ceoBudgetSchema>;

/** The configured bounds of the CEO's budget (config `ceo`). */
export interface CeoLimits {
  /** The highest cap the CEO may set on the Regime agent's risk multiplier. */
  maxRiskMultiplierCap: number;
  /** The most new positions the CEO may allow in a day. */
  maxNewPositions: number;
}

/** Yesterday's journal, counted by outcome. */
export interface DayTally {
  day: string | null;
  decisions: number;
  executed: number;
  vetoed: number;
  errors: number;
  noTrade: number;
}

export interface CeoRequest {
  day: string;
  cycleId: string;
  macro: MacroView & { decidedBy: string };
  regimes: Array<{ symbol: string; regime: string; bias: string; riskMultiplier: number }>;
  yesterday: DayTally;
  limits: CeoLimits;
}

/**
 * Code's bounds on any budget, the model's or the fallback's: the cap within
 * [0, maxRiskMultiplierCap], the count a whole number within [0, maxNewPositions]. Each change is
 * said, so the journal shows what the CEO asked for and what applies.
 */
export function clampBudget(budget: CeoBudget, limits: CeoLimits): { budget: CeoBudget; clamped: string[] } {
  const clamped: string[] = [];
  const cap = Math.min(limits.maxRiskMultiplierCap, Math.max(0, budget.riskMultiplierCap));
  if (!Number.isFinite(cap)) throw new Error('riskMultiplierCap is not a finite number');
  if (cap !== budget.riskMultiplierCap)
    clamped.push(
      `riskMultiplierCap ${budget.riskMultiplierCap} clamped to ${cap} (ceo.maxRiskMultiplierCap)`,
    );
  const count = Math.min(limits.maxNewPositions, Math.max(0, Math.floor(budget.maxNewPositions)));
  if (count !== budget.maxNewPositions)
    clamped.push(`maxNewPositions ${budget.maxNewPositions} clamped to ${count} (ceo.maxNewPositions)`);
  return { budget: withFields(budget, { riskMultiplierCap: cap, maxNewPositions: count }), clamped };
}

/**
 * Deterministic budget: the Macro Officer's stance sets it (risk_on: the configured maximum;
 * neutral: three quarters of the cap, two thirds of the positions; risk_off: half the cap, a
 * third of the positions), and a day with errors yesterday halves the positions again.
 */
export function fallbackBudget(request: Pick<CeoRequest, 'macro' | 'yesterday' | 'limits'>): CeoBudget {
  const { macro, yesterday, limits } = request;
  const share = { risk_on: [1, 1], neutral: [0.75, 2 / 3], risk_off: [0.5, 1 / 3] }[macro.stance];
  const cap = Number((limits.maxRiskMultiplierCap * share[0]!).toFixed(4));
  let positions = Math.floor(limits.maxNewPositions * share[1]!);
  const reasons = [`macro ${macro.stance} (${macro.regime})`];
  if (yesterday.errors > 0) {
    positions = Math.floor(positions / 2);
    reasons.push(`${yesterday.errors} error(s) yesterday halve the new positions`);
  }
  return {
    stance: macro.stance,
    riskMultiplierCap: cap,
    maxNewPositions: positions,
    rationale: `fallback: ${reasons.join('; ')}: cap ${cap}, at most ${positions} new position(s)`,
  };
}

export function ceoInputs(request: CeoRequest): Record<string, unknown> {
  const { macro } = request;
  return {
    day: request.day,
    macro: {
      regime: macro.regime,
      bias: macro.bias,
      stance: macro.stance,
      rationale: macro.rationale,
      decidedBy: macro.decidedBy,
    },
    regimes: request.regimes,
    yesterday: { ...request.yesterday },
    limits: { ...request.limits },
  };
}

export function runCeo(runtime: AgentRuntime, request: CeoRequest): Promise<AgentOutcome<CeoBudget>> {
  return runAgent(runtime, {
    agent: 'ceo',
    skill: 'ceo',
    cycleId: request.cycleId,
    inputs: ceoInputs(request),
    narrow: ceoBudgetSchema,
    fallback: () => fallbackBudget(request),
  });
}
