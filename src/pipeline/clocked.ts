import type { MessageInput, PublishOptions } from '../bus/index.ts';

type Publish<R> = (input: MessageInput, options?: PublishOptions) => Promise<R>;

/**
 * Stamps every message with the step's clock (simulated in sim and backtests, the wall clock
 * live), unless it names its own time: a rerun of the same bars then writes the same log.
 */
export function withClock<R>(deps: { publish: Publish<R>; clock: { now(): number } }): Publish<R> {
  return (input, options) => deps.publish({ ts: new Date(deps.clock.now()), ...input }, options);
}
