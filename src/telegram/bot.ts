import { randomBytes } from 'node:crypto';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, type Context, InlineKeyboard } from 'grammy';
import { topics } from '../bus/index.ts';
import type { TelegramSection } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { OperatorError, type OperatorService } from '../operator/index.ts';
import {
  helpText,
  renderDaily,
  renderExplain,
  renderJournal,
  renderLlm,
  renderPositions,
  renderProfit,
  renderStatus,
  resumeText,
  tradesOf,
} from './render.ts';

export interface BotDeps {
  operator: OperatorService;
  section: TelegramSection;
  token: string;
  logger: Logger;
}

/** A /forceexit waiting for its button; forgotten after this long. */
const confirmWindowMs = 5 * 60_000;

interface PendingExit {
  symbol: string;
  chatId: number;
  userId: number | null;
  reason: string;
  expiresAt: number;
}

const actorOf = (ctx: Context): string => `telegram user ${ctx.from?.id ?? 'unknown'}`;

/**
 * The operator bot: every update from a chat outside `allowedChatIds` is recorded on the bus and
 * dropped unanswered; every command from an allowed chat is recorded, then answered through the
 * operator service, the same methods the CLI and the API call (`by: telegram`).
 */
export function createBot(deps: BotDeps): Bot {
  const { operator, section, logger } = deps;
  const allowed = new Set(section.allowedChatIds);
  const bot = new Bot(deps.token, { client: { apiRoot: section.apiRoot.replace(/\/$/, '') } });
  // 429 with parameters.retry_after: grammY's auto-retry plugin waits that long and retries
  // (capped so a notification is not sent an hour late); 5xx and network errors are retried too.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 300 }));
  const pending = new Map<string, PendingExit>();

  bot.use(async (ctx, next) => {
    const chatId = ctx.chat?.id;
    const text = ctx.message?.text ?? '';
    const data = ctx.callbackQuery?.data ?? '';
    const command = text.startsWith('/')
      ? (text.slice(1).split(/\s/, 1)[0]?.split('@')[0] ?? '')
      : data
        ? `button:${data.split(':')[0]}`
        : '';
    if (chatId === undefined || !command) return;
    const isAllowed = allowed.has(chatId);
    // On the bus and in the day's operator log; an allowed command that cannot be recorded is not
    // carried out (bot.catch answers that it failed).
    const recorded = operator.recordCommand({
      channel: 'telegram',
      userId: ctx.from?.id ?? null,
      chatId,
      command,
      args: text
        ? text
            .slice(command.length + 1)
            .trim()
            .slice(0, 500)
        : '',
      allowed: isAllowed,
    });
    if (isAllowed) {
      await recorded;
      return next();
    }
    // Never answered (not even with an error), never acted on: the record above is all that happens.
    await recorded.catch((error: unknown) =>
      logger.warn(
        { err: (error as Error).message, chatId },
        'ignored telegram command could not be recorded',
      ),
    );
  });

  const args = (ctx: Context) => (typeof ctx.match === 'string' ? ctx.match.trim() : '');
  const trades = async () =>
    tradesOf(await operator.messages({ topics: [topics.positionClosed], limit: 10_000 }));

  bot.command(['start', 'help'], (ctx) => ctx.reply(helpText));
  bot.command('status', async (ctx) => {
    const [status, positions, llm] = await Promise.all([
      operator.status(),
      operator.positions(),
      operator.llmStatus(),
    ]);
    await ctx.reply(renderStatus(status, positions, llm));
  });
  bot.command('positions', async (ctx) => ctx.reply(renderPositions(await operator.positions())));
  bot.command('profit', async (ctx) => {
    const [status, positions, closed] = await Promise.all([
      operator.status(),
      operator.positions(),
      trades(),
    ]);
    await ctx.reply(renderProfit(closed, status, positions));
  });
  bot.command('daily', async (ctx) => {
    const days = Math.min(31, Math.max(1, Number.parseInt(args(ctx) || '7', 10) || 7));
    await ctx.reply(renderDaily(await trades(), days));
  });
  bot.command('journal', async (ctx) => {
    const symbol = args(ctx).toUpperCase() || undefined;
    await ctx.reply(renderJournal(await operator.recentJournal(symbol, 10)));
  });
  bot.command('explain', async (ctx) => {
    const id = args(ctx);
    if (!id) return void (await ctx.reply('Usage: /explain <client order id, cycle id or message id>'));
    const explanation = await operator.explain(id);
    await ctx.reply(explanation ? renderExplain(explanation) : `Nothing is known by the id ${id}.`);
  });
  bot.command('llm', async (ctx) => ctx.reply(renderLlm(await operator.llmStatus())));
  bot.command('resume', (ctx) => ctx.reply(resumeText));

  const halt = async (ctx: Context, level: number, reason: string) => {
    const outcome = await operator.halt(level, reason, 'telegram', actorOf(ctx));
    await ctx.reply(
      outcome.raised || outcome.journalPath
        ? `Halt raised to level ${outcome.state.level}. Journal: ${outcome.journalPath}`
        : `Level ${outcome.state.level} already in force; nothing changed.`,
    );
  };
  bot.command('halt', async (ctx) => {
    const match = /^([1-4])\s+(.+)$/s.exec(args(ctx));
    if (!match) return void (await ctx.reply('Usage: /halt <1-4> <reason>'));
    await halt(ctx, Number(match[1]), match[2] ?? '');
  });
  bot.command('stopentries', async (ctx) =>
    halt(ctx, 2, args(ctx) || 'no new entries (operator, from Telegram)'),
  );

  bot.command('forceexit', async (ctx) => {
    const symbol = args(ctx).split(/\s+/)[0]?.toUpperCase() ?? '';
    if (!symbol) return void (await ctx.reply('Usage: /forceexit <symbol>'));
    const held = (await operator.positions()).find((row) => row.symbol === symbol && (row.qty ?? 0) !== 0);
    if (!held) return void (await ctx.reply(`No open position in ${symbol}.`));
    const nonce = randomBytes(8).toString('hex');
    pending.set(nonce, {
      symbol,
      chatId: ctx.chat?.id ?? 0,
      userId: ctx.from?.id ?? null,
      reason: `forced exit from Telegram by ${actorOf(ctx)}`,
      expiresAt: Date.now() + confirmWindowMs,
    });
    await ctx.reply(`Close ${symbol} (${held.qty} @ ${held.avgPrice ?? '?'}) at market?`, {
      reply_markup: new InlineKeyboard()
        .text(`Yes, close ${symbol}`, `fx:${nonce}`)
        .text('Cancel', `fxno:${nonce}`),
    });
  });
  bot.callbackQuery(/^fx(no)?:([0-9a-f]{16})$/, async (ctx) => {
    const nonce = ctx.match[2] ?? '';
    const request = pending.get(nonce);
    pending.delete(nonce);
    if (!request || request.expiresAt < Date.now() || request.chatId !== ctx.chat?.id) {
      await ctx.answerCallbackQuery({ text: 'This confirmation expired; send /forceexit again.' });
      return;
    }
    if (ctx.match[1]) {
      await ctx.answerCallbackQuery({ text: 'Cancelled' });
      await ctx.editMessageText(`Exit of ${request.symbol} cancelled.`);
      return;
    }
    await ctx.answerCallbackQuery({ text: `Closing ${request.symbol}` });
    const done = await operator.requestExit({
      symbol: request.symbol,
      reason: request.reason,
      by: 'telegram',
      actor: actorOf(ctx),
    });
    await ctx.editMessageText(
      `Exit of ${request.symbol} (${done.qty}) sent to the brain. Journal: ${done.journalPath}`,
    );
  });

  bot.catch(async (failure) => {
    const error = failure.error;
    logger.warn({ err: (error as Error).message }, 'telegram command failed');
    const text =
      error instanceof OperatorError
        ? `Refused: ${error.message}${error.fix ? `. ${error.fix}` : ''}`
        : 'That failed; the brain log has the reason.';
    await failure.ctx.reply(text).catch(() => {});
  });
  return bot;
}
