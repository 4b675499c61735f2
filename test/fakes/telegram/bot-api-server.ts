import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { htmlProblem, markdownV2Problem } from './parse-entities.ts';

/**
 * A strict fake of Telegram's Bot API (https://core.telegram.org/bots/api), enough for the
 * operator bot: getMe, deleteWebhook, getUpdates (long polling), sendMessage,
 * answerCallbackQuery, editMessageText. It refuses what Telegram refuses, with Telegram's status
 * and body (`{ ok: false, error_code, description[, parameters] }`), so grammY runs unchanged
 * against it. Tests push updates (a chat's text or a button press) and read what the bot sent.
 */
export interface SentCall {
  method: string;
  body: Record<string, unknown>;
  /** The HTTP status the fake answered with. */
  status: number;
}

interface Update {
  update_id: number;
  [key: string]: unknown;
}

interface StoredMessage {
  chatId: number;
  messageId: number;
  text: string;
  replyMarkup: unknown;
}

export interface FakeBotApi {
  readonly apiRoot: string;
  readonly calls: SentCall[];
  /** A user's text in a chat; a leading /command gets its bot_command entity as Telegram adds it. */
  pushText(chatId: number, userId: number, text: string): void;
  /** A press of an inline button under a message the bot sent. */
  pushButton(chatId: number, userId: number, messageId: number, data: string): string;
  /** The next call of `method` is refused with 429 and `retry_after`; calls before it ends too. */
  throttleNext(method: string, retryAfterSeconds: number): void;
  /** Messages the bot sent (and edited) to a chat, in order. */
  messagesTo(chatId: number): StoredMessage[];
  close(): Promise<void>;
}

// https://core.telegram.org/bots/api#making-requests: "The response contains a JSON object, which
// always has a Boolean field 'ok' … If 'ok' equals False, the error is explained in the
// 'description'. An Integer 'error_code' field is also returned … Some errors may also have an
// optional field 'parameters' of the type ResponseParameters."
function fail(response: ServerResponse, status: number, description: string, parameters?: object): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({ ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) }),
  );
}

function ok(response: ServerResponse, result: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ ok: true, result }));
}

async function readBody(request: IncomingMessage, url: URL): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'] ?? '';
  // https://core.telegram.org/bots/api#making-requests: parameters may come as a URL query
  // string, application/x-www-form-urlencoded, application/json or multipart/form-data.
  const query = Object.fromEntries(url.searchParams);
  if (!raw) return query;
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object'
        ? { ...query, ...(parsed as Record<string, unknown>) }
        : null;
    } catch {
      return null;
    }
  }
  if (type.includes('application/x-www-form-urlencoded'))
    return { ...query, ...Object.fromEntries(new URLSearchParams(raw)) };
  return null;
}

export async function startFakeBotApi(options: { token: string; chats: number[] }): Promise<FakeBotApi> {
  const chats = new Set(options.chats);
  const calls: SentCall[] = [];
  const updates: Update[] = [];
  const messages: StoredMessage[] = [];
  const openQueries = new Set<string>();
  const throttles = new Map<string, { armed: boolean; until: number; seconds: number }>();
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  let nextQueryId = 1;
  /** The long poll waiting now, if any: woken by a new update, or terminated by a newer poll. */
  let waiting: { wake: () => void; terminate: () => void } | null = null;

  const wakePoll = () => waiting?.wake();

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    // https://core.telegram.org/bots/api#making-requests: "https://api.telegram.org/bot<token>/METHOD_NAME".
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return fail(response, 404, 'Not Found');
    const [, token, method = ''] = match;
    const body = await readBody(request, url);
    const record = (status: number) => calls.push({ method, body: body ?? {}, status });
    // A token the server does not know: 401 Unauthorized (the Bot API's answer to a revoked or mistyped token).
    if (token !== options.token) {
      record(401);
      return fail(response, 401, 'Unauthorized');
    }
    if (body === null) {
      record(400);
      return fail(response, 400, 'Bad Request: invalid request body');
    }
    // https://core.telegram.org/bots/api#responseparameters: retry_after, "In case of exceeding
    // flood control, the number of seconds left to wait before the request can be repeated".
    const throttle = throttles.get(method);
    if (throttle && (throttle.armed || Date.now() < throttle.until)) {
      if (throttle.armed) {
        throttle.armed = false;
        throttle.until = Date.now() + throttle.seconds * 1000;
      }
      record(429);
      const left = Math.max(1, Math.ceil((throttle.until - Date.now()) / 1000));
      return fail(response, 429, `Too Many Requests: retry after ${left}`, { retry_after: left });
    }
    const chatOf = (value: unknown): number | null => {
      const id = typeof value === 'string' ? Number(value) : value;
      return typeof id === 'number' && Number.isInteger(id) && chats.has(id) ? id : null;
    };
    switch (method) {
      case 'getMe':
        record(200);
        return ok(response, {
          id: 424242,
          is_bot: true,
          first_name: 'Signet',
          username: 'signet_test_bot',
          can_join_groups: false,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'deleteWebhook':
        record(200);
        return ok(response, true);
      case 'getUpdates': {
        // https://core.telegram.org/bots/api#getupdates: offset "Identifier of the first update
        // to be returned … An update is considered confirmed as soon as getUpdates is called with
        // an offset higher than its update_id. The negative offset can be specified to retrieve
        // updates starting from -offset update from the end of the updates queue. All previous
        // updates will be forgotten." limit: "Values between 1-100 are accepted. Defaults to 100."
        // timeout: "Timeout in seconds for long polling. Defaults to 0, i.e. usual short polling."
        const offset = body.offset === undefined ? undefined : Number(body.offset);
        const limit = body.limit === undefined ? 100 : Number(body.limit);
        const timeout = body.timeout === undefined ? 0 : Number(body.timeout);
        if (offset !== undefined && !Number.isInteger(offset)) {
          record(400);
          return fail(response, 400, 'Bad Request: invalid offset specified');
        }
        if (offset !== undefined && offset > 0)
          while (updates.length && (updates[0]?.update_id ?? 0) < offset) updates.shift();
        if (offset !== undefined && offset < 0) updates.splice(0, Math.max(0, updates.length + offset));
        const take = () => updates.slice(0, Math.min(100, Math.max(1, limit)));
        // https://core.telegram.org/bots/api#getupdates: only one long poll at a time; a newer
        // one ends the older with 409 "Conflict: terminated by other getUpdates request; make sure
        // that only one bot instance is running".
        waiting?.terminate();
        if (updates.length > 0 || timeout <= 0) {
          record(200);
          return ok(response, take());
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => finish(() => ok(response, take()), 200), timeout * 1000);
          const self = {
            wake: () => finish(() => ok(response, take()), 200),
            terminate: () =>
              finish(
                () =>
                  fail(
                    response,
                    409,
                    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
                  ),
                409,
              ),
          };
          function finish(answer: () => void, status: number) {
            clearTimeout(timer);
            if (waiting === self) waiting = null;
            record(status);
            if (!response.writableEnded) answer();
            resolve();
          }
          waiting = self;
          request.once('close', () => {
            if (waiting === self) waiting = null;
            clearTimeout(timer);
            resolve();
          });
        });
        return;
      }
      case 'sendMessage':
      case 'editMessageText': {
        const chatId = chatOf(body.chat_id);
        // https://core.telegram.org/bots/api#sendmessage chat_id: "Unique identifier for the
        // target chat"; a chat the bot cannot reach is "400 Bad Request: chat not found".
        if (chatId === null) {
          record(400);
          return fail(response, 400, 'Bad Request: chat not found');
        }
        const text = typeof body.text === 'string' ? body.text : '';
        // text: "Text of the message to be sent, 1-4096 characters after entities parsing".
        if (text.trim().length === 0) {
          record(400);
          return fail(response, 400, 'Bad Request: message text is empty');
        }
        if (text.length > 4096) {
          record(400);
          return fail(response, 400, 'Bad Request: message is too long');
        }
        // https://core.telegram.org/bots/api#formatting-options: a text that does not parse in its
        // parse_mode is refused with "Bad Request: can't parse entities: …".
        if (body.parse_mode !== undefined) {
          const mode = String(body.parse_mode);
          const problem =
            mode === 'MarkdownV2'
              ? markdownV2Problem(text)
              : mode === 'HTML'
                ? htmlProblem(text)
                : mode === 'Markdown'
                  ? null
                  : 'unsupported';
          if (problem === 'unsupported') {
            record(400);
            return fail(response, 400, 'Bad Request: unsupported parse_mode');
          }
          if (problem) {
            record(400);
            return fail(response, 400, `Bad Request: can't parse entities: ${problem}`);
          }
        }
        // https://core.telegram.org/bots/api#inlinekeyboardbutton callback_data: "Data to be sent
        // in a callback query to the bot when the button is pressed, 1-64 bytes".
        const markup = body.reply_markup;
        const keyboard = (
          markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined
        )?.inline_keyboard;
        for (const button of keyboard?.flat() ?? []) {
          const size = Buffer.byteLength(button.callback_data ?? '');
          if (button.callback_data !== undefined && (size < 1 || size > 64)) {
            record(400);
            return fail(response, 400, 'Bad Request: BUTTON_DATA_INVALID');
          }
        }
        if (method === 'editMessageText') {
          // https://core.telegram.org/bots/api#editmessagetext: the message must exist in that chat.
          const target = messages.find(
            (message) => message.chatId === chatId && message.messageId === Number(body.message_id),
          );
          if (!target) {
            record(400);
            return fail(response, 400, 'Bad Request: message to edit not found');
          }
          if (
            target.text === text &&
            JSON.stringify(target.replyMarkup ?? null) === JSON.stringify(markup ?? null)
          ) {
            record(400);
            return fail(
              response,
              400,
              'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
            );
          }
          target.text = text;
          target.replyMarkup = markup;
          record(200);
          return ok(response, {
            message_id: target.messageId,
            date: Math.floor(Date.now() / 1000),
            chat: { id: chatId, type: 'private' },
            text,
            edit_date: Math.floor(Date.now() / 1000),
          });
        }
        const stored = { chatId, messageId: nextMessageId++, text, replyMarkup: markup };
        messages.push(stored);
        record(200);
        return ok(response, {
          message_id: stored.messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: 'private' },
          text,
        });
      }
      case 'answerCallbackQuery': {
        // https://core.telegram.org/bots/api#answercallbackquery: a query can be answered once;
        // an unknown or already answered id is refused.
        const id = String(body.callback_query_id ?? '');
        if (!openQueries.delete(id)) {
          record(400);
          return fail(
            response,
            400,
            'Bad Request: query is too old and response timeout expired or query ID is invalid',
          );
        }
        record(200);
        return ok(response, true);
      }
      default:
        // A method this fake does not implement is refused the way Telegram refuses an unknown method.
        record(404);
        return fail(response, 404, 'Not Found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    pushText(chatId, userId, text) {
      const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
      updates.push({
        update_id: nextUpdateId++,
        message: {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: 'private' },
          from: { id: userId, is_bot: false, first_name: 'Operator' },
          text,
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      });
      wakePoll();
    },
    pushButton(chatId, userId, messageId, data) {
      const target = messages.find((message) => message.chatId === chatId && message.messageId === messageId);
      const id = String(nextQueryId++);
      openQueries.add(id);
      updates.push({
        update_id: nextUpdateId++,
        callback_query: {
          id,
          from: { id: userId, is_bot: false, first_name: 'Operator' },
          chat_instance: `ci${chatId}`,
          data,
          message: {
            message_id: messageId,
            date: Math.floor(Date.now() / 1000),
            chat: { id: chatId, type: 'private' },
            text: target?.text ?? '',
          },
        },
      });
      wakePoll();
      return id;
    },
    throttleNext(method, seconds) {
      throttles.set(method, { armed: true, until: 0, seconds });
    },
    messagesTo: (chatId) => messages.filter((message) => message.chatId === chatId),
    async close() {
      waiting?.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
