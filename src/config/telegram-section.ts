import { z } from 'zod';

/** How a bus event reaches the chat: with sound, without (`disable_notification`), or not at all. */
export const notifyModes = ['on', 'silent', 'off'] as const;
export type NotifyMode = (typeof notifyModes)[number];
const mode = z.enum(notifyModes);

/**
 * The operator's Telegram bot (`src/telegram/`). Long polling (`getUpdates`): no inbound port.
 * The token is SIGNET_TELEGRAM_TOKEN (never in this file).
 */
export const telegramSectionSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Telegram's Bot API, or a self-hosted Bot API server (tests point it at a fake). */
    apiRoot: z
      .url({ message: 'telegram.apiRoot must be an http(s) URL such as https://api.telegram.org' })
      .default('https://api.telegram.org'),
    /** The only chats answered or obeyed; every other chat is ignored (logged, on the bus). */
    allowedChatIds: z.array(z.number().int()).default([]),
    /** Seconds a `getUpdates` long poll waits for an update. */
    pollTimeoutSeconds: z.number().int().min(0).max(50).default(30),
    notify: z
      .object({
        fill: mode.default('on'),
        exit: mode.default('on'),
        veto: mode.default('silent'),
        /** Halts are always sent: on or silent, never off. */
        halt: z
          .enum(['on', 'silent'], { message: 'telegram.notify.halt is always sent: use on or silent' })
          .default('on'),
        breaker: mode.default('on'),
        budget: mode.default('on'),
        resume: mode.default('on'),
        report: mode.default('on'),
      })
      .strict()
      .default({
        fill: 'on',
        exit: 'on',
        veto: 'silent',
        halt: 'on',
        breaker: 'on',
        budget: 'on',
        resume: 'on',
        report: 'on',
      }),
  })
  .strict()
  .refine((section) => !section.enabled || section.allowedChatIds.length > 0, {
    message: 'telegram.allowedChatIds is empty: list the operator chat ids, or set enabled: false',
    path: ['allowedChatIds'],
  });

export type TelegramSection = z.infer<typeof telegramSectionSchema>;
