import type { z } from 'zod';
import type { LlmRequest, LlmResult } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import type { NewsFeed } from '../news/index.ts';
import { buildLlmRequest, type Challenger, type Skill, type SkillRegistry } from '../skills/index.ts';
import type { DeciderTally } from './decider-tally.ts';

/** The part of the LLM router an agent needs (an `LlmRouter` satisfies it). */
export interface LlmCaller {
  readonly configured: boolean;
  call<T>(request: LlmRequest<T>): Promise<LlmResult<T>>;
  /** Waits for the cost ledger rows of the calls so far; throws when one could not be written. */
  settle(): Promise<void>;
}

export interface AgentRuntime {
  skills: SkillRegistry;
  /** Undefined or unconfigured: every agent uses its deterministic fallback. */
  llm: LlmCaller | undefined;
  philosophy: string;
  logger: Logger;
  /** Counts every run by who actually decided (route/model, fallback, failure) for the reports. */
  tally?: DeciderTally;
  /** Headlines for the candidates (pipeline.news); absent: the agents are shown none. */
  news?: { feed: NewsFeed; lookbackMs: number; limit: number };
  /** The Strategist's challengers, run in shadow on its exact inputs (none: nothing runs). */
  challengers?: readonly Challenger[];
}

export type DecidedBy = 'llm' | 'fallback';

export type AgentOutcome<T> =
  | {
      ok: true;
      value: T;
      decidedBy: DecidedBy;
      /** Why the fallback decided, when it did. */
      fallbackReason: string | null;
      route: string | null;
      model: string | null;
      skill: { name: string; version: string };
    }
  | { ok: false; reason: string; code: string; skill: { name: string; version: string } | null };

export interface AgentCall<T> {
  agent: string;
  skill: string;
  cycleId: string;
  /**
   * What the skill's Inputs are rendered from; a function when building them costs (bars as
   * ISO-stamped rows): it runs only when a route is asked, never for the fallback.
   */
  inputs: Record<string, unknown> | (() => Record<string, unknown>);
  /** Reads the answer into a typed value (run after the skill's own schema). */
  narrow: z.ZodType<T>;
  /** Deterministic decision when no route is configured or every route is unavailable. */
  fallback?: () => T;
  /** A skill that is not in the registry (a challenger, run in shadow) instead of `skill`. */
  skillText?: Skill;
}

/**
 * Runs one agent: its skill through the LLM router, or its deterministic fallback. The fallback
 * decides only when no route is configured or every route was unavailable; when a model
 * answered but badly (invalid output after the repair), the agent fails closed instead,
 * because a fallback would turn a model fault into a trade nobody reviewed.
 */
export async function runAgent<T>(runtime: AgentRuntime, call: AgentCall<T>): Promise<AgentOutcome<T>> {
  const outcome = await decide(runtime, call);
  runtime.tally?.record(outcome);
  return outcome;
}

async function decide<T>(runtime: AgentRuntime, call: AgentCall<T>): Promise<AgentOutcome<T>> {
  let skill: ReturnType<SkillRegistry['get']>;
  try {
    skill = call.skillText ?? runtime.skills.get(call.skill);
  } catch (error) {
    return { ok: false, code: 'skill_missing', reason: (error as Error).message, skill: null };
  }
  const skillRef = { name: skill.name, version: skill.version };
  const fallback = (reason: string): AgentOutcome<T> => {
    if (!call.fallback) return { ok: false, code: 'no_fallback', reason, skill: skillRef };
    return {
      ok: true,
      value: call.fallback(),
      decidedBy: 'fallback',
      fallbackReason: reason,
      route: null,
      model: null,
      skill: skillRef,
    };
  };
  if (!runtime.llm?.configured) return fallback('no LLM route is configured');

  const inputs = typeof call.inputs === 'function' ? call.inputs() : call.inputs;
  let request: LlmRequest<T>;
  try {
    request = buildLlmRequest(skill, {
      agent: call.agent,
      cycleId: call.cycleId,
      philosophy: runtime.philosophy,
      inputs,
      narrow: call.narrow,
    });
  } catch (error) {
    // Our own inputs did not fit the skill: a bug or a stale skill, never the model's fault.
    return { ok: false, code: 'skill_inputs_invalid', reason: (error as Error).message, skill: skillRef };
  }
  const result = await runtime.llm.call(request);
  if (result.ok) {
    return {
      ok: true,
      value: result.value,
      decidedBy: 'llm',
      fallbackReason: null,
      route: result.route,
      model: result.model,
      skill: skillRef,
    };
  }
  const reasons = result.error.reasons;
  // A replay miss must not be papered over: the rerun would silently differ from the recording.
  // Otherwise the fallback may decide only when no model answered at all (timeouts, limits,
  // outages, configuration); an answer that was invalid is the model's fault and fails closed.
  const unavailable =
    result.error.code !== 'llm_replay_miss' &&
    (result.error.code === 'llm_not_configured' ||
      (reasons.length > 0 && reasons.every((reason) => reason.fault !== 'model')));
  const summary =
    reasons.map((reason) => `${reason.route}: ${reason.code}`).join('; ') || result.error.message;
  runtime.logger.warn(
    { agent: call.agent, cycleId: call.cycleId, reasons: summary },
    unavailable ? 'no route answered; fallback decides' : 'model answers invalid; failing closed',
  );
  if (unavailable) return fallback(`every route was unavailable (${summary})`);
  return { ok: false, code: result.error.code, reason: `no valid answer (${summary})`, skill: skillRef };
}
