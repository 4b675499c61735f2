import { type BusMessage, topics } from '../bus/index.ts';

/** Shortens a JSON payload to one readable line. */
export function oneLine(value: unknown, max = 160): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function formatMessage(message: BusMessage): string {
  const cycle = message.cycleId ? ` cycle=${message.cycleId}` : '';
  const cause = message.causationId ? ` re=#${message.causationId}` : '';
  const signatures = message.signatures.length
    ? ` [${message.signatures.map((signature) => `${signature.signer}:${signature.verdict}`).join(' ')}]`
    : '';
  const flag = message.topic === topics.busParked ? 'PARKED ' : '';
  return `${message.ts.toISOString()} #${message.id} ${flag}${message.topic} ${message.fromAgent}→${message.toAgent}${cycle}${cause}${signatures} ${oneLine(message.payload)}`;
}

export function parseDate(value: string, flag: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new Error(
      `${flag} "${value}" is not a date: use ISO 8601, e.g. 2026-11-21 or 2026-11-21T14:30:00Z`,
    );
  }
  return date;
}
