import { z } from 'zod';
import type { Bus, BusMessage, Subscription } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import type { NotifyMode, TelegramSection } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';

export type NotifyKind = keyof TelegramSection['notify'];

/** Which bus topics make which kind of notification. */
export const notifyTopics: Record<string, NotifyKind> = {
  [topics.orderFilled]: 'fill',
  [topics.positionClosed]: 'exit',
  [topics.monitorExited]: 'exit',
  [topics.watchdogFlattened]: 'exit',
  [topics.brainFlattened]: 'exit',
  [topics.cycleCompleted]: 'veto',
  [topics.haltRaised]: 'halt',
  [topics.haltResumed]: 'resume',
  [topics.llmBreaker]: 'breaker',
  [topics.llmBudget]: 'budget',
  [topics.optimizerReport]: 'report',
};

const record = z.record(z.string(), z.unknown());
const text = (value: unknown): string => (value === undefined || value === null ? '?' : String(value));

/** The line a message becomes, or null when it is not worth a notification (e.g. a breaker closing). */
export function notificationText(message: BusMessage): string | null {
  const payload = record.safeParse(message.payload).data ?? {};
  const p = (key: string) => text(payload[key]);
  switch (message.topic) {
    case topics.orderFilled:
      return `Fill: ${p('symbol')} ${p('side')} ${p('qty')} @ ${p('price')} (${p('leg')}, ${p('clientOrderId')})`;
    case topics.positionClosed:
      return `Closed: ${p('symbol')} ${p('qty')} ${p('entryPrice')} → ${p('exitPrice')}, P&L ${p('pnl')} (${p('exitLeg')})`;
    case topics.monitorExited:
      return `Exit sent: ${p('symbol')} ${p('qty')} (${p('clientOrderId')}, ${p('status')})`;
    case topics.watchdogFlattened:
    case topics.brainFlattened:
      return 'Flattened: every position closed, the lock holds.';
    case topics.cycleCompleted: {
      const outcomes = z
        .array(
          z.looseObject({
            symbol: z.string(),
            outcome: z.string(),
            reasons: z.array(z.unknown()).optional(),
          }),
        )
        .safeParse(payload.outcomes).data;
      const vetoed = (outcomes ?? []).filter((outcome) => outcome.outcome === 'vetoed');
      if (vetoed.length === 0) return null;
      return `Vetoed: ${vetoed.map((outcome) => `${outcome.symbol} (${(outcome.reasons ?? []).map(String).join('; ') || 'no reason'})`).join(', ')}`;
    }
    case topics.haltRaised:
      return `HALT level ${p('level')} by ${p('setBy')}${payload.by ? ` via ${p('by')}` : ''}: ${p('reason')}`;
    case topics.haltResumed:
      return `Resumed by ${p('operator')}${payload.by ? ` via ${p('by')}` : ''} from level ${p('previousLevel')}: ${p('acknowledgement')}`;
    case topics.llmBreaker:
      return payload.to === 'open' ? `LLM breaker open: ${p('route')} (${p('from')} → open)` : null;
    case topics.llmBudget:
      return `LLM budget: ${JSON.stringify(payload).slice(0, 300)}`;
    case topics.optimizerReport: {
      const review = z.array(z.string()).safeParse(payload.review).data ?? [];
      return `Nightly report ${p('label')}: ${review.length ? review.join(' · ') : 'nothing to review'} (${p('markdown')})`;
    }
    default:
      return null;
  }
}

export interface NotifierDeps {
  bus: Bus;
  section: TelegramSection;
  logger: Logger;
  send(chatId: number, text: string, silent: boolean): Promise<unknown>;
}

/**
 * Bus events to the allowed chats, each kind on (with sound), silent (`disable_notification`)
 * or off. From the bus position at start: a restart does not resend old events. Sends go one at
 * a time; a 429 is waited out by the API client (its `retry_after`, auto-retry plugin).
 */
export async function startNotifier(deps: NotifierDeps): Promise<Subscription> {
  const { bus, section, logger } = deps;
  const modeOf = (kind: NotifyKind): NotifyMode => section.notify[kind];
  const wanted = Object.entries(notifyTopics)
    .filter(([, kind]) => modeOf(kind) !== 'off')
    .map(([topic]) => topic);
  const { position } = await bus.latest(0);
  return bus.subscribe(
    'telegram-notify',
    wanted,
    async (message) => {
      const kind = notifyTopics[message.topic];
      if (!kind) return;
      const line = notificationText(message);
      if (!line) return;
      for (const chatId of section.allowedChatIds) {
        try {
          await deps.send(chatId, line, modeOf(kind) === 'silent');
        } catch (error) {
          logger.warn(
            { chatId, topic: message.topic, err: (error as Error).message },
            'telegram notification not sent',
          );
        }
      }
    },
    { durable: false, startAfter: position },
  );
}
