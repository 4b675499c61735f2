import type { Bus, Subscription } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { ValidationError } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import { OperatorService } from '../operator/index.ts';
import type { Store } from '../store/index.ts';
import { createBot } from './bot.ts';
import { startNotifier } from './notify.ts';

export { createBot } from './bot.ts';
export { type NotifyKind, notificationText, notifyTopics } from './notify.ts';

export interface TelegramDeps {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
}

export interface TelegramBot {
  /** Resolves when the first `getUpdates` is under way (setup done). */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The operator's Telegram bot when `telegram.enabled`: long polling for commands, bus events to
 * the allowed chats. Null when disabled. A refused token (401) stops the bot and is logged; it
 * does not stop trading.
 */
export function startTelegram(deps: TelegramDeps): TelegramBot | null {
  const section = deps.config.telegram;
  if (!section.enabled) return null;
  const token = deps.config.secrets.telegramToken;
  if (!token)
    throw new ValidationError(
      'telegram.enabled is true but SIGNET_TELEGRAM_TOKEN is not set',
      [{ path: 'SIGNET_TELEGRAM_TOKEN', message: 'missing' }],
      { fix: 'Export SIGNET_TELEGRAM_TOKEN (the token @BotFather gave), or set telegram.enabled: false.' },
    );
  const logger = deps.logger.child({ module: 'telegram' });
  const operator = new OperatorService({ ...deps, logger });
  const bot = createBot({ operator, section, token: token.reveal(), logger });
  let notifier: Subscription | undefined;
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const polling = bot
    .start({
      timeout: section.pollTimeoutSeconds,
      allowed_updates: ['message', 'callback_query'],
      onStart: async () => {
        notifier = await startNotifier({
          bus: deps.bus,
          section,
          logger,
          send: (chatId, text, silent) => bot.api.sendMessage(chatId, text, { disable_notification: silent }),
        });
        logger.info({ chats: section.allowedChatIds.length }, 'telegram bot polling');
        markStarted();
      },
    })
    .catch((error: unknown) => {
      logger.error(
        { err: (error as Error).message },
        'telegram bot stopped: check SIGNET_TELEGRAM_TOKEN and telegram.apiRoot',
      );
      markStarted();
    });
  return {
    started,
    async stop() {
      await notifier?.stop();
      const stopped = (async () => {
        if (bot.isRunning()) await bot.stop().catch(() => {});
        await polling;
      })();
      // A Bot API never reached keeps grammY retrying: shutdown waits 5 s for it, no longer.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
    },
  };
}
