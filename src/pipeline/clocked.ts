import type { BusMessage, MessageInput, PublishOptions, SentMessage } from '../bus/index.ts';

type Publish<R> = (input: MessageInput, options?: PublishOptions) => Promise<R>;

/**
 * Stamps every message with the step's clock (simulated in sim and backtests, the wall clock
 * live), unless it names its own time: a rerun of the same bars then writes the same log.
 */
export function withClock<R>(deps: { publish: Publish<R>; clock: { now(): number } }): Publish<R> {
  return (input, options) => deps.publish({ ts: new Date(deps.clock.now()), ...input }, options);
}

/** Sends a message: its id at once, its commit (`written`) later. */
export type Send = (input: MessageInput) => Promise<SentMessage>;

/**
 * The step's clock on a sender. Where the publisher gives ids before the commit (Bus.send) they
 * come at once; otherwise each message is published and its id known after the commit, as before.
 */
export function sendWithClock(deps: {
  publish: Publish<BusMessage>;
  send?: Send;
  clock: { now(): number };
}): Send {
  const { send, publish, clock } = deps;
  if (send) return (input) => send({ ts: new Date(clock.now()), ...input });
  return async (input) => {
    const written = publish({ ts: new Date(clock.now()), ...input });
    return { id: (await written).id, written };
  };
}
