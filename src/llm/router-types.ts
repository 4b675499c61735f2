import type { z } from 'zod';
import type { MessageInput } from '../bus/index.ts';
import type { LlmSecrets, LlmSection } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import type { LlmFailure } from './errors.ts';
import type { Route } from './route.ts';

/** What a skill hands the router (built by the skills loader). */
export interface LlmRequest<T> {
  agent: string;
  cycleId?: string;
  skill: { name: string; version: string };
  /** Stable prefix (philosophy + persona): cacheable. */
  system: string;
  /** Rendered inputs. */
  prompt: string;
  output: { schema: z.ZodType<T>; jsonSchema: Record<string, unknown> };
  temperature?: number;
  /** Route names in preference order; default: the configured order. */
  routes?: string[];
  timeoutMs?: number;
}

export interface LlmSuccess<T> {
  ok: true;
  value: T;
  /** The JSON text that validated (what replay returns byte for byte). */
  text: string;
  route: string;
  model: string;
  /** Route calls made for this request (repairs included); 0 when served from the store. */
  attempts: number;
  fromCache: boolean;
  requestHash: string;
}

export interface LlmFailed {
  ok: false;
  error: LlmFailure;
  attempts: number;
  requestHash: string;
}

export type LlmResult<T> = LlmSuccess<T> | LlmFailed;

/** The narrow part of the bus the router needs (a `Bus` satisfies it). */
export interface BusPublisher {
  publish(input: MessageInput): Promise<unknown>;
}

/** A vendor refused our request as malformed: what the operator must read, once per route and skill. */
export interface RequestRejection {
  route: string;
  routeKind: string;
  model: string;
  skill: string;
  skillVersion: string;
  agent: string;
  cycleId: string | null;
  status: number | null;
  /** The vendor's own words. */
  providerMessage: string;
  /** "route X rejects our request for skill Y: <provider message>". */
  headline: string;
  fix: string;
  /** When it was seen (the router's clock: simulated in a backtest). */
  at: string;
}

export interface LlmRouterOptions {
  section: LlmSection;
  secrets?: LlmSecrets;
  store: Queryable;
  logger: Logger;
  bus?: BusPublisher;
  /** Ready-made routes in priority order, instead of building them from `section.routes`. */
  routes?: Route[];
  /** Injected clock (ms) for breaker cooldowns, retry-after and the budget day. */
  now?: () => number;
  /**
   * Called once per route and skill when a vendor refuses our request as malformed (after the
   * `llm.request_rejected` bus message): the runtime journals it and pages the operator. A
   * failure here is logged, never thrown into the call.
   */
  onRequestRejected?: (rejection: RequestRejection) => Promise<void>;
}
