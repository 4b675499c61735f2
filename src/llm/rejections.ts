import type { Logger } from '../logging/index.ts';
import type { LlmBadRequestError } from './errors.ts';
import type { Route } from './route.ts';
import type { RouterEvents } from './router-events.ts';
import type { LlmRequest, LlmRouterOptions, RequestRejection } from './router-types.ts';

/**
 * Loud, never silent, but not a flood: a vendor refusing our request is announced once per route
 * and skill (the bus message, then the runtime's hook: journal and page), and again only after
 * that route has answered that skill (a fix, then a regression, is news).
 */
export class RejectionAnnouncer {
  readonly #announced = new Set<string>();

  constructor(
    private readonly events: RouterEvents,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly hook: LlmRouterOptions['onRequestRejected'],
  ) {}

  /** The route answered the skill: a later refusal is announced again. */
  answered(route: string, skill: string): void {
    this.#announced.delete(key(route, skill));
  }

  async announce<T>(route: Route, request: LlmRequest<T>, error: LlmBadRequestError): Promise<void> {
    const id = key(route.name, request.skill.name);
    if (this.#announced.has(id)) return;
    this.#announced.add(id);
    const rejection: RequestRejection = {
      route: route.name,
      routeKind: route.kind,
      model: route.model,
      skill: request.skill.name,
      skillVersion: request.skill.version,
      agent: request.agent,
      cycleId: request.cycleId ?? null,
      status: error.status ?? null,
      providerMessage: error.providerMessage,
      headline: `route ${route.name} rejects our request for skill ${request.skill.name}: ${error.providerMessage}`,
      fix:
        error.fix ??
        'Check the route and the skill against the vendor docs; `signet doctor` probes every pair.',
      at: new Date(this.now()).toISOString(),
    };
    await this.events.requestRejected(rejection);
    try {
      await this.hook?.(rejection);
    } catch (caught) {
      this.logger.error(
        { route: route.name, skill: request.skill.name, err: (caught as Error).message },
        'a rejected request could not be journaled or paged; the bus message and this log still say it',
      );
    }
  }
}

function key(route: string, skill: string): string {
  return `${route}\u0000${skill}`;
}
