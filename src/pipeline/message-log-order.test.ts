import { describe, expect, it } from 'vitest';
import { orderByDepth } from './message-log.ts';
import type { CycleMessage } from './messages.ts';

/** The rule as written before the counting sort: depth by cause (emitted before), stable sort. */
function byRule(messages: readonly CycleMessage[]): CycleMessage[] {
  const depth = new Map<number, number>();
  for (const message of messages) {
    const causeDepth = message.causedBy === null ? undefined : depth.get(message.causedBy);
    depth.set(message.ref, causeDepth === undefined ? 0 : causeDepth + 1);
  }
  return [...messages].sort((a, b) => depth.get(a.ref)! - depth.get(b.ref)!);
}

function message(ref: number, causedBy: number | null): CycleMessage {
  return {
    ref,
    fromAgent: 'strategist',
    toAgent: 'executor',
    topic: 'strategist.proposal',
    cycleId: null,
    causedBy,
    payload: {},
    time: ref,
  };
}

/** A log of proposal → order → fill → exit chains that interleave across bars, seeded. */
function chains(count: number, seed: number): CycleMessage[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const log: CycleMessage[] = [];
  const open: number[] = [];
  while (log.length < count) {
    const ref = log.length + 1;
    if (open.length > 0 && random() < 0.6) {
      const at = Math.floor(random() * open.length);
      log.push(message(ref, open[at]!));
      if (random() < 0.5) open[at] = ref;
      else open.splice(at, 1);
    } else {
      log.push(message(ref, null));
      open.push(ref);
    }
  }
  return log;
}

describe('the log in causal order (orderByDepth)', () => {
  it('orders level by level, emission order within a level, as the rule does', () => {
    const log = [message(1, null), message(2, 1), message(3, null), message(4, 2), message(5, 3)];
    expect(orderByDepth(log).map((each) => each.ref)).toEqual([1, 3, 2, 5, 4]);
    for (const seed of [1, 2, 3]) {
      const long = chains(3_000, seed);
      expect(orderByDepth(long)).toEqual(byRule(long));
    }
  });

  it('counts a cause emitted later, or absent from the log, as none (depth 0), refs in any order', () => {
    const log = chains(2_000, 7).map((each, at) => ({
      ...each,
      ref: each.ref * 7 + 3,
      causedBy: each.causedBy === null ? null : at % 40 === 0 ? 999_999 : each.causedBy * 7 + 3,
    }));
    log.reverse();
    expect(orderByDepth(log)).toEqual(byRule(log));
    const forward = [message(1, 2), message(2, null), message(3, 2)];
    expect(orderByDepth(forward).map((each) => each.ref)).toEqual([1, 2, 3]);
  });
});
