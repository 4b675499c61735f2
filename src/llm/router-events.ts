import { type TopicName, topics } from '../bus/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import type { BreakerTransition } from './breaker.ts';
import type { LlmError, RouteFailureReason } from './errors.ts';
import type { BusPublisher, LlmRequest, RequestRejection } from './router-types.ts';
import { saveBreaker } from './state.ts';

const fromAgent = 'llm-router';

/**
 * What the router tells the operator: breaker transitions (persisted first), failovers and the
 * budget, each in the log and on the bus. A bus outage never fails an LLM call.
 */
export class RouterEvents {
  constructor(
    private readonly store: Queryable,
    private readonly logger: Logger,
    private readonly bus: BusPublisher | undefined,
  ) {}

  async transition(transition: BreakerTransition, error: LlmError | undefined): Promise<void> {
    await saveBreaker(this.store, transition.snapshot);
    if (transition.from === transition.to) return;
    const retryAt = transition.snapshot.retryAt;
    const payload = {
      route: transition.route,
      from: transition.from,
      to: transition.to,
      reason: transition.reason,
      consecutiveFailures: transition.snapshot.consecutiveFailures,
      retryAt: retryAt === undefined ? null : new Date(retryAt).toISOString(),
      errorCode: error?.code ?? null,
    };
    const line = `LLM route ${transition.route}: ${transition.from} → ${transition.to} (${transition.reason})`;
    if (transition.to === 'open') this.logger.warn(payload, line);
    else this.logger.info(payload, line);
    await this.publish(topics.llmBreaker, payload);
  }

  async failover<T>(
    request: LlmRequest<T>,
    answeredBy: string,
    reasons: readonly RouteFailureReason[],
  ): Promise<void> {
    const payload = {
      agent: request.agent,
      skill: request.skill.name,
      cycleId: request.cycleId ?? null,
      answeredBy,
      passedOver: reasons.map((reason) => ({
        route: reason.route,
        outcome: reason.outcome,
        code: reason.code,
      })),
    };
    this.logger.info(
      payload,
      `LLM failover: ${answeredBy} answered ${request.skill.name} for ${request.agent}`,
    );
    await this.publish(topics.llmFailover, payload, request.cycleId);
  }

  /** Loud, never silent: the operator reads which route refuses which skill, and the vendor's words. */
  async requestRejected(rejection: RequestRejection): Promise<void> {
    this.logger.error({ ...rejection }, rejection.headline);
    await this.publish(topics.llmRequestRejected, { ...rejection }, rejection.cycleId ?? undefined);
  }

  async publish(topic: TopicName, payload: Record<string, unknown>, cycleId?: string): Promise<void> {
    if (!this.bus) return;
    try {
      await this.bus.publish({ fromAgent, toAgent: 'operator', topic, payload, cycleId: cycleId ?? null });
    } catch (error) {
      // The transition is already persisted; a bus outage must not fail the call.
      this.logger.error({ topic, err: error }, 'could not publish an LLM router event');
    }
  }
}
