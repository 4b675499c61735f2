import type { BusMessage, MessageInput, PublishOptions, SentMessage } from '../bus/index.ts';
import { withFields } from '../platform/index.ts';
import type { SqlWrite } from '../store/index.ts';

type Publish<R> = (input: MessageInput, options?: PublishOptions) => Promise<R>;

/**
 * Stamps every message with the step's clock (simulated in sim and backtests, the wall clock
 * live), unless it names its own time: a rerun of the same bars then writes the same log.
 */
export function withClock<R>(deps: { publish: Publish<R>; clock: { now(): number } }): Publish<R> {
  return (input, options) => deps.publish({ ts: new Date(deps.clock.now()), ...input }, options);
}

type PublishWithWrites = (
  input: MessageInput,
  writes: (messageId: number) => readonly SqlWrite[],
  options?: { guard?: string },
) => Promise<BusMessage>;

/** The same stamp on a message published with the rows that commit with it (an order's). */
export function writesWithClock(deps: {
  publishWithWrites: PublishWithWrites;
  clock: { now(): number };
}): PublishWithWrites {
  return (input, writes, options) =>
    deps.publishWithWrites({ ts: new Date(deps.clock.now()), ...input }, writes, options);
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

/** A cycle's deps with the step's clock on every message (published, with writes, or sent). */
export function cycleWithClock<
  D extends {
    publish: Publish<BusMessage>;
    publishWithWrites: PublishWithWrites;
    send?: Send;
    clock: { now(): number };
  },
>(clockless: D): D & { send: Send } {
  const clocked: Pick<D, 'publish' | 'publishWithWrites'> & { send: Send } = {
    publish: withClock(clockless),
    publishWithWrites: writesWithClock(clockless),
    send: sendWithClock(clockless),
  };
  // The same type as a spread would give: D with these three replaced by functions of their types.
  return withFields(clockless, clocked) as D & { send: Send };
}
