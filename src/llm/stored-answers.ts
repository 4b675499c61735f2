import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { LlmFailure, LlmReplayMissError } from './errors.ts';
import { findCall } from './replay.ts';
import type { LlmRequest, LlmSuccess } from './router-types.ts';
import { validateAnswer } from './structured.ts';

/**
 * A recorded answer for this exact request (replay and cache modes), if one exists and still
 * validates against the skill's schema; a stored answer that no longer validates is not used.
 */
export async function answerFromStore<T>(
  store: Queryable,
  logger: Logger,
  request: LlmRequest<T>,
  hash: string,
): Promise<LlmSuccess<T> | undefined> {
  const stored = await findCall(store, hash);
  if (!stored) return undefined;
  const validation = validateAnswer(request.output.schema, stored.answerText);
  if (validation.ok)
    return {
      ok: true,
      value: validation.value,
      text: stored.answerText,
      route: stored.route,
      model: stored.model,
      attempts: 0,
      fromCache: true,
      requestHash: hash,
    };
  logger.warn({ requestHash: hash, problem: validation.problem }, 'stored LLM answer no longer validates');
  return undefined;
}

/** Replay mode without a recorded answer: a typed failure (the caller never asks a model). */
export function replayMiss<T>(logger: Logger, request: LlmRequest<T>, hash: string): LlmFailure {
  const cause = new LlmReplayMissError(
    `replay: no recorded answer for skill ${request.skill.name}@${request.skill.version} (request ${hash.slice(0, 12)})`,
  );
  logger.error({ requestHash: hash, skill: request.skill.name, agent: request.agent }, cause.message);
  return new LlmFailure(cause.message, 'llm_replay_miss', [], 'user');
}
