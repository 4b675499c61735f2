const isoTimes = new Map<number, string>();

/**
 * ISO 8601 text of an epoch-ms time, remembered (bounded: it starts over rather than grow). A
 * bar's time is printed again and again: by every window of 60 bars that shows it (the next
 * cycle's window shares 59 of them), by several messages (cycle id, proposal, order, fill); and
 * toISOString (≈ 460 ns) was the costliest part of building a window and of a quiet cycle.
 */
export function isoTime(time: number): string {
  let text = isoTimes.get(time);
  if (text === undefined) {
    if (isoTimes.size >= 50_000) isoTimes.clear();
    text = new Date(time).toISOString();
    isoTimes.set(time, text);
  }
  return text;
}
