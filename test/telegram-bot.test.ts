import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAccountState } from '../src/account-state/index.ts';
import type { Broker, Order, OrderRequest, Position } from '../src/broker/index.ts';
import { Bus, type Subscription, topics } from '../src/bus/index.ts';
import { type Config, loadConfig, Secret } from '../src/config/index.ts';
import { setPosition } from '../src/ledger/index.ts';
import { silentLogger } from '../src/logging/index.ts';
import { serveOperatorExits } from '../src/runtime/operator-exit.ts';
import { startTelegram, type TelegramBot } from '../src/telegram/index.ts';
import { haltFileFor, readHalt } from '../src/watchdog/index.ts';
import { type FakeBotApi, startFakeBotApi } from './fakes/telegram/bot-api-server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { tmpdir, walkableTempDir } from './support/temp.ts';
import { waitFor } from './support/wait.ts';

/**
 * The operator's Telegram bot against a strict fake Bot API (grammY unchanged, pointed at it by
 * `telegram.apiRoot`), with the real operator service, bus and journal on Postgres.
 */
const botToken = '123456:telegram-test-token-abcdef';
const allowedChat = 5001;
const strangerChat = 6666;
const operatorUser = 77;
const logger = silentLogger();

let db: TestDatabase;
let config: Config;
let bus: Bus;
let fake: FakeBotApi;
let telegram: TelegramBot | null;
let exits: Subscription;
const submitted: OrderRequest[] = [];

/** The session's broker as the exit consumer sees it: one AAPL position; orders recorded. */
const broker: Broker = {
  name: 'paper',
  account: () => ({ cash: 50_000, equity: 101_234.5 }),
  positions: (): Position[] =>
    submitted.length ? [] : [{ symbol: 'AAPL', qty: 10, avgPrice: 190 } as Position],
  submit: (request: OrderRequest): Order =>
    ({
      ...request,
      status: 'open',
      filledQty: 0,
      avgFillPrice: null,
      createdAt: 0,
      updatedAt: 0,
    }) as unknown as Order,
  cancel: () => undefined,
  getOrder: () => undefined,
  closeAll: () => [],
};

const messagesOf = async (topic: string) =>
  (
    await db.store.query<{ payload: Record<string, unknown> }>(
      'SELECT payload FROM agent_messages WHERE topic = $1 ORDER BY id',
      [topic],
    )
  ).rows.map((row) => row.payload);

const repliesTo = (chatId: number) => fake.messagesTo(chatId).map((message) => message.text);

/** The operator log's rows (outcome `command`) with their summaries. */
const commandRows = async () =>
  (
    await db.store.query<{ path: string; summary: Record<string, unknown>; message_id: string | null }>(
      "SELECT path, summary, message_id FROM agent_journal WHERE outcome = 'command' ORDER BY id",
    )
  ).rows;
const operatorLog = (relative: string) => readFileSync(path.join(config.paths.contextDir, relative), 'utf8');

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeBotApi({ token: botToken, chats: [allowedChat, strangerChat] });
  const folder = walkableTempDir(path.join(tmpdir(), 'signet-telegram-'));
  const file = path.join(folder, 'signet.yaml');
  writeFileSync(
    file,
    [
      `dataDir: ${path.join(folder, 'state')}`,
      `paths: { contextDir: ${path.join(folder, 'context')} }`,
      'telegram:',
      '  enabled: true',
      `  apiRoot: ${fake.apiRoot}`,
      `  allowedChatIds: [${allowedChat}]`,
      '  pollTimeoutSeconds: 5',
      '',
    ].join('\n'),
  );
  config = loadConfig({ file, env: { SIGNET_TELEGRAM_TOKEN: botToken } });
  bus = new Bus({ store: db.store, logger });
  await writeAccountState(
    db.store,
    { venue: 'paper', accountId: 'sim' },
    {
      equity: 101_234.5,
      cash: 50_000,
      highWaterMark: 102_000,
      dayStartEquity: 100_000,
      positions: 1,
      at: new Date().toISOString(),
    },
    'brain',
  );
  await setPosition(db.store, 'paper', {
    symbol: 'AAPL',
    qty: 10,
    avgPrice: 190,
    stopClientOrderId: null,
    takeProfitClientOrderId: null,
  });
  exits = await serveOperatorExits({
    bus,
    store: db.store,
    logger,
    broker: {
      ...broker,
      submit: (request) => {
        submitted.push(request);
        return broker.submit(request);
      },
    },
    brokerName: 'paper',
    publish: (input, options) => bus.publish(input, options),
  });
  telegram = startTelegram({ config, store: db.store, bus, logger });
  await telegram?.started;
});

afterAll(async () => {
  await telegram?.stop();
  await exits?.stop();
  await bus?.stop();
  await fake?.close();
  await db?.drop();
});

describe('the operator bot against the fake Bot API', () => {
  it('answers /status from an allowed chat with the halt level and the equity', async () => {
    fake.pushText(allowedChat, operatorUser, '/status');
    await waitFor(() => repliesTo(allowedChat).length > 0, 'the /status answer');
    const answer = repliesTo(allowedChat)[0] ?? '';
    expect(answer).toMatch(/^Halt level 0 \(trading\)/);
    expect(answer).toContain('Equity 101,234.50');
    const commands = await messagesOf(topics.operatorCommand);
    expect(commands).toContainEqual(
      expect.objectContaining({
        channel: 'telegram',
        userId: operatorUser,
        chatId: allowedChat,
        command: 'status',
        allowed: true,
      }),
    );
    // One journal line with the user id: a row (outcome command) and a line in the day's operator log.
    const rows = await commandRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.summary).toMatchObject({ userId: operatorUser, chatId: allowedChat, command: 'status' });
    expect(rows[0]?.message_id).not.toBeNull();
    expect(rows[0]?.path).toMatch(/^journal\/\d{4}-\d{2}-\d{2}\/operator\.md$/);
    const lines = operatorLog(rows[0]?.path ?? '')
      .split('\n')
      .filter((line) => line.startsWith('- '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^- \\d{2}:\\d{2}:\\d{2} telegram user ${operatorUser} \\(chat ${allowedChat}\\) \`/status\` received$`,
      ),
    );
  });

  it('ignores /halt 3 from a chat not in the list: no answer, no halt, only the bus says it came', async () => {
    fake.pushText(strangerChat, 999, '/halt 3 x');
    await waitFor(
      async () =>
        (await messagesOf(topics.operatorCommand)).some((command) => command.chatId === strangerChat),
      'the ignored command on the bus',
    );
    // The next allowed command is answered, so the stranger's update was handled (and dropped) before it.
    fake.pushText(allowedChat, operatorUser, '/help');
    await waitFor(() => repliesTo(allowedChat).length > 1, 'the /help answer');
    expect(repliesTo(strangerChat)).toEqual([]);
    expect(fake.calls.filter((call) => call.body.chat_id === strangerChat)).toEqual([]);
    expect((await readHalt({ db: db.store, haltFile: haltFileFor(config.dataPath) })).level).toBe(0);
    expect(await messagesOf(topics.haltRaised)).toEqual([]);
    expect(await messagesOf(topics.operatorCommand)).toContainEqual(
      expect.objectContaining({ chatId: strangerChat, userId: 999, command: 'halt', allowed: false }),
    );
    // Journaled as ignored, with the stranger's user and chat id.
    const ignored = (await commandRows()).filter((row) => row.summary.chatId === strangerChat);
    expect(ignored.map((row) => row.summary)).toEqual([
      expect.objectContaining({ userId: 999, command: 'halt', args: '3 x', allowed: false, ignored: true }),
    ]);
    expect(operatorLog(ignored[0]?.path ?? '')).toContain(
      `telegram user 999 (chat ${strangerChat}) \`/halt 3 x\` IGNORED: chat not in the allowed list, not answered`,
    );
    expect(
      await db.store.query("SELECT 1 FROM agent_journal WHERE outcome = 'halted'").then((r) => r.rows),
    ).toEqual([]);
  });

  it('raises the halt to 2 on /halt 2 from an allowed chat, naming Telegram and the user', async () => {
    fake.pushText(allowedChat, operatorUser, '/halt 2 feed looks wrong');
    await waitFor(
      () => repliesTo(allowedChat).some((text) => /^Halt raised to level 2\. Journal: journal\//.test(text)),
      'the /halt answer',
    );
    // The halt's own notification reaches the chat too (kind halt, always sent).
    await waitFor(
      () => repliesTo(allowedChat).includes('HALT level 2 by operator via telegram: feed looks wrong'),
      'the halt notification',
    );
    const halt = await readHalt({ db: db.store, haltFile: haltFileFor(config.dataPath) });
    expect(halt).toMatchObject({ level: 2, reason: 'feed looks wrong', setBy: 'operator' });
    expect(await messagesOf(topics.haltRaised)).toEqual([
      expect.objectContaining({ level: 2, by: 'telegram' }),
    ]);
    const journal = await db.store.query<{ summary: Record<string, unknown> }>(
      "SELECT summary FROM agent_journal WHERE outcome = 'halted'",
    );
    expect(journal.rows.map((row) => row.summary)).toEqual([
      expect.objectContaining({ by: 'telegram', level: 2, actor: `telegram user ${operatorUser}` }),
    ]);
  });

  it('/journal lists the newest entries one line each', async () => {
    fake.pushText(allowedChat, operatorUser, '/journal');
    await waitFor(
      () => repliesTo(allowedChat).some((text) => / - operator halted \(operator\)$/m.test(text)),
      'the /journal answer',
    );
  });

  it('/forceexit asks first and acts only after the confirmation button', async () => {
    const before = repliesTo(allowedChat).length;
    fake.pushText(allowedChat, operatorUser, '/forceexit aapl');
    await waitFor(() => repliesTo(allowedChat).length > before, 'the confirmation question');
    const question = fake.messagesTo(allowedChat).at(-1)!;
    expect(question.text).toBe('Close AAPL (10 @ 190) at market?');
    // Asked, not done: nothing requested, nothing sent to the broker.
    await waitFor(
      async () =>
        (await messagesOf(topics.operatorCommand)).some((command) => command.command === 'forceexit'),
      'the /forceexit command on the bus',
    );
    expect(await messagesOf(topics.operatorExitRequested)).toEqual([]);
    expect(submitted).toEqual([]);
    const markup = question.replyMarkup as {
      inline_keyboard: Array<Array<{ text: string; callback_data: string }>>;
    };
    const yes = markup.inline_keyboard[0]?.[0];
    expect(yes?.text).toBe('Yes, close AAPL');
    fake.pushButton(allowedChat, operatorUser, question.messageId, yes?.callback_data ?? '');
    await waitFor(() => submitted.length === 1, 'the exit order at the broker');
    expect(submitted[0]).toMatchObject({
      symbol: 'AAPL',
      side: 'sell',
      type: 'market',
      qty: 10,
      leg: 'exit',
    });
    expect(await messagesOf(topics.operatorExitRequested)).toEqual([
      expect.objectContaining({ symbol: 'AAPL', by: 'telegram', actor: `telegram user ${operatorUser}` }),
    ]);
    await waitFor(
      () => /^Exit of AAPL \(10\) sent to the brain/.test(question.text),
      'the question edited to its outcome',
    );
    // The exit's own notification follows (monitor.exited, kind exit).
    await waitFor(
      () => repliesTo(allowedChat).some((text) => text.startsWith('Exit sent: AAPL 10')),
      'the exit notification',
    );
    expect(
      fake.calls.filter((call) => call.method === 'answerCallbackQuery' && call.status === 200),
    ).toHaveLength(1);
    const order = await db.store.query<{ leg: string; symbol: string }>(
      "SELECT leg, symbol FROM orders WHERE client_order_id LIKE 'AAPL.opexit.%'",
    );
    expect(order.rows).toEqual([{ leg: 'exit', symbol: 'AAPL' }]);
    // The same button again is refused by the bot (expired) and never exits twice.
    fake.pushButton(allowedChat, operatorUser, question.messageId, yes?.callback_data ?? '');
    await waitFor(
      () =>
        fake.calls.filter((call) => call.method === 'answerCallbackQuery' && call.status === 200).length ===
        2,
      'the second button answered',
    );
    expect(submitted).toHaveLength(1);
  });

  it('waits out a 429 for its retry_after, then delivers (halt notification)', async () => {
    fake.throttleNext('sendMessage', 1);
    const before = fake.messagesTo(allowedChat).length;
    await bus.publish({
      fromAgent: 'watchdog',
      toAgent: 'operator',
      topic: topics.haltRaised,
      payload: { level: 3, reason: 'drawdown 6%', setBy: 'watchdog', previousLevel: 2 },
    });
    await waitFor(
      () => fake.messagesTo(allowedChat).length > before,
      'the notification after the 429',
      15_000,
    );
    expect(fake.messagesTo(allowedChat).at(-1)?.text).toBe('HALT level 3 by watchdog: drawdown 6%');
    const sends = fake.calls.filter((call) => call.method === 'sendMessage').slice(-2);
    // One 429, then one success: a retry before retry_after ended would have been a second 429.
    expect(sends.map((call) => call.status)).toEqual([429, 200]);
  });
});

describe('the operator log', () => {
  it('holds one line per command on the bus, each pointing at its message; /journal leaves them out', async () => {
    const commands = (
      await db.store.query<{ id: string }>('SELECT id FROM agent_messages WHERE topic = $1 ORDER BY id', [
        topics.operatorCommand,
      ])
    ).rows.map((row) => row.id);
    const rows = await commandRows();
    // /status, the stranger's /halt, /help, /halt 2, /journal, /forceexit, the two button presses.
    expect(commands).toHaveLength(8);
    expect(rows.map((row) => row.message_id)).toEqual(commands);
    expect(rows.map((row) => row.summary.command)).toEqual([
      'status',
      'halt',
      'help',
      'halt',
      'journal',
      'forceexit',
      'button:fx',
      'button:fx',
    ]);
    const lines = operatorLog(rows[0]?.path ?? '')
      .split('\n')
      .filter((line) => line.startsWith('- '));
    expect(lines).toHaveLength(8);
    const journalAnswer = repliesTo(allowedChat).find((text) =>
      / - operator halted \(operator\)$/m.test(text),
    );
    expect(journalAnswer).not.toMatch(/command/);
  });
});

describe('notifications and a refused token', () => {
  it('sends a veto silently (its default) and a halt with sound', async () => {
    const before = fake.calls.length;
    await bus.publish({
      fromAgent: 'brain',
      toAgent: 'operator',
      topic: topics.cycleCompleted,
      payload: { outcomes: [{ symbol: 'MSFT', outcome: 'vetoed', reasons: ['stop too far'] }] },
    });
    await waitFor(
      () => fake.calls.slice(before).some((call) => call.method === 'sendMessage' && call.status === 200),
      'the veto notification',
    );
    const sent = fake.calls
      .slice(before)
      .find((call) => call.method === 'sendMessage' && call.status === 200);
    expect(sent?.body).toMatchObject({
      chat_id: allowedChat,
      text: 'Vetoed: MSFT (stop too far)',
      disable_notification: true,
    });
    const halt = fake.calls.find(
      (call) => call.method === 'sendMessage' && String(call.body.text).startsWith('HALT level 3'),
    );
    expect(halt?.body.disable_notification).toBe(false);
  });

  it('stops the bot on a 401 (wrong token) without throwing into the brain', async () => {
    const wrong = startTelegram({
      config: { ...config, secrets: { ...config.secrets, telegramToken: new Secret('999:not-the-token') } },
      store: db.store,
      bus,
      logger,
    });
    await wrong?.started;
    await wrong?.stop();
    expect(fake.calls.filter((call) => call.status === 401).length).toBeGreaterThan(0);
  });
});

describe('the fake Bot API refuses what Telegram refuses', () => {
  const call = async (method: string, body: object, token = botToken) => {
    const response = await fetch(`${fake.apiRoot}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('a chat it does not know, a text that does not parse, a wrong token', async () => {
    expect(await call('sendMessage', { chat_id: 42, text: 'hi' })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
    });
    const unparsed = await call('sendMessage', {
      chat_id: allowedChat,
      text: 'P&L 1.5',
      parse_mode: 'MarkdownV2',
    });
    expect(unparsed.status).toBe(400);
    expect(unparsed.body.description).toMatch(/^Bad Request: can't parse entities: /);
    expect(await call('getMe', {}, '1:wrong')).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect((await call('answerCallbackQuery', { callback_query_id: 'nope' })).status).toBe(400);
  });
});
