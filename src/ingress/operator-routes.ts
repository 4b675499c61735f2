import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readAccountState } from '../account-state/index.ts';
import { type BusMessage, messageToJson } from '../bus/index.ts';
import {
  JournalNotFoundError,
  JournalPathError,
  journalFolder,
  listJournal,
  readJournalEntry,
} from '../journal/index.ts';
import { ledgerSummary, readLlmStatus } from '../llm/index.ts';
import { explain } from '../pipeline/index.ts';
import { haltFileFor, haltLevelNames, readHalt } from '../watchdog/index.ts';
import type { IngressDeps } from './deps.ts';
import { ingressSql } from './sql.ts';
import { isoDay, problem, queryInt, type RouteTable } from './validation.ts';

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const iso = (value: unknown) =>
  value instanceof Date ? value.toISOString() : value == null ? null : String(value);

const symbolSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits and . _ / - only');
const dateTime = z.iso.datetime({ offset: true });

/** The operator API under /api/v1: reads of state, decisions, journal and costs; halt and resume. */
export function registerOperatorRoutes(table: RouteTable, deps: IngressDeps): void {
  const { store, bus, config } = deps;
  const haltStore = { db: store, haltFile: haltFileFor(config.dataPath) };
  const journalRoot = path.resolve(config.paths.contextDir);

  table.add(
    {
      method: 'GET',
      url: '/state',
      summary: 'Halt level and reason, account snapshot, heartbeats with ages',
    },
    async () => {
      let halt: unknown;
      try {
        const state = await readHalt(haltStore);
        halt = { ...state, name: haltLevelNames[state.level] ?? 'unknown', readable: true };
      } catch (error) {
        // Fail closed: an unreadable halt flag means no trading, and the console says so.
        halt = { level: null, name: 'unreadable', reason: (error as Error).message, readable: false };
      }
      const account = await readAccountState(store, config.broker.kind);
      const beats = await store.query<Record<string, unknown>>(ingressSql.heartbeats());
      return {
        now: new Date().toISOString(),
        halt,
        account: account ? { ...(account.value as object), updatedAt: iso(account.updatedAt) } : null,
        heartbeats: beats.rows.map((row) => {
          const ageMs = Number(row.age_ms);
          const expected = Number(row.expected_interval_ms);
          return {
            name: String(row.name),
            kind: String(row.kind),
            beatAt: iso(row.beat_at),
            ageMs,
            expectedIntervalMs: expected,
            stale: ageMs > expected * 3,
            pid: num(row.pid),
          };
        }),
      };
    },
  );

  table.add(
    { method: 'GET', url: '/positions', summary: 'Open positions with their stop and take-profit orders' },
    async () => {
      const result = await store.query<Record<string, unknown>>(ingressSql.positions());
      return {
        positions: result.rows.map((row) => ({
          broker: row.broker,
          symbol: row.symbol,
          qty: num(row.qty),
          avgPrice: num(row.avg_price),
          stopClientOrderId: row.stop_client_order_id ?? null,
          stopPrice: num(row.stop_price),
          stopStatus: row.stop_status ?? null,
          takeProfitClientOrderId: row.take_profit_client_order_id ?? null,
          takeProfitPrice: num(row.take_profit_price),
          openedAt: iso(row.opened_at),
          updatedAt: iso(row.updated_at),
        })),
      };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/orders',
      summary: 'Orders, newest first',
      query: z.strictObject({
        status: z.string().min(1).max(32).optional(),
        symbol: symbolSchema.optional(),
        limit: queryInt(1, 1_000, 100),
      }),
    },
    async ({ query }) => {
      const result = await store.query<Record<string, unknown>>(ingressSql.orders(), [
        query.status ?? null,
        query.symbol ?? null,
        query.limit,
      ]);
      return {
        orders: result.rows.map((row) => ({
          clientOrderId: row.client_order_id,
          broker: row.broker,
          parentClientOrderId: row.parent_client_order_id ?? null,
          leg: row.leg,
          symbol: row.symbol,
          side: row.side,
          type: row.type,
          qty: num(row.qty),
          limitPrice: num(row.limit_price),
          stopPrice: num(row.stop_price),
          status: row.status,
          filledQty: num(row.filled_qty),
          avgFillPrice: num(row.avg_fill_price),
          rejectReason: row.reject_reason ?? null,
          cycleId: row.cycle_id ?? null,
          submittedAt: iso(row.submitted_at),
          updatedAt: iso(row.updated_at),
        })),
      };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/fills',
      summary: 'Fills, newest first, with the leg of their order',
      query: z.strictObject({ symbol: symbolSchema.optional(), limit: queryInt(1, 5_000, 200) }),
    },
    async ({ query }) => {
      const result = await store.query<Record<string, unknown>>(ingressSql.fills(), [
        query.symbol ?? null,
        query.limit,
      ]);
      return {
        fills: result.rows.map((row) => ({
          id: num(row.id),
          clientOrderId: row.client_order_id,
          broker: row.broker,
          symbol: row.symbol,
          side: row.side,
          leg: row.leg,
          qty: num(row.qty),
          price: num(row.price),
          commission: num(row.commission),
          ts: iso(row.ts),
        })),
      };
    },
  );

  table.add(
    { method: 'GET', url: '/journal/days', summary: 'Days that have journal entries, newest first' },
    async () => {
      let names: string[] = [];
      try {
        names = await readdir(path.join(journalRoot, journalFolder));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      return {
        days: names
          .filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name))
          .sort()
          .reverse(),
      };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/journal',
      summary: 'Journal entries of one UTC day; `q` keeps entries whose text contains it',
      query: z.strictObject({ day: isoDay, q: z.string().min(1).max(200).optional() }),
    },
    async ({ query, reply }) => {
      try {
        const entries = await listJournal({ root: journalRoot, day: query.day });
        if (!query.q) return { day: query.day, entries };
        const needle = query.q.toLowerCase();
        const kept = [];
        for (const entry of entries) {
          const document = await readJournalEntry({ root: journalRoot, path: entry.path });
          if (document.text.toLowerCase().includes(needle)) kept.push(entry);
        }
        return { day: query.day, entries: kept };
      } catch (error) {
        if (error instanceof JournalPathError)
          return reply.code(400).send(problem('invalid_request', `query.day: ${error.message}`));
        throw error;
      }
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/journal/entry',
      summary: 'One journal entry (markdown and its front matter) by its listed path',
      query: z.strictObject({ path: z.string().min(1).max(512) }),
    },
    async ({ query, reply }) => {
      try {
        return await readJournalEntry({ root: journalRoot, path: query.path });
      } catch (error) {
        if (error instanceof JournalPathError)
          return reply.code(400).send(problem('invalid_request', `query.path: ${error.message}`, error.fix));
        if (error instanceof JournalNotFoundError || (error as NodeJS.ErrnoException).code === 'ENOENT')
          return reply.code(404).send(problem('not_found', `journal entry ${query.path} does not exist`));
        throw error;
      }
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/messages',
      summary:
        'Bus messages in delivery order: by window, cycle and topics; without a window, the newest `limit`',
      query: z.strictObject({
        from: dateTime.optional(),
        to: dateTime.optional(),
        cycleId: z.string().min(1).max(200).optional(),
        topic: z
          .string()
          .min(1)
          .max(400)
          .optional()
          .describe('comma-separated exact topics or prefix.* patterns'),
        limit: queryInt(1, 5_000, 200),
      }),
    },
    async ({ query }) => {
      const topics = query.topic
        ?.split(',')
        .map((topic) => topic.trim())
        .filter(Boolean);
      let messages: BusMessage[];
      if (!query.from && !query.to && !query.cycleId && !topics) messages = await bus.newest(query.limit);
      else
        messages = await bus.replayAll({
          from: query.from ? new Date(query.from) : undefined,
          to: query.to ? new Date(query.to) : undefined,
          cycleId: query.cycleId,
          topics,
          limit: query.limit,
        });
      return { messages: messages.map(messageToJson) };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/cycles',
      summary: 'Decision cycles, newest first, with their journaled outcomes',
      query: z.strictObject({ limit: queryInt(1, 500, 50) }),
    },
    async ({ query }) => {
      const result = await store.query<Record<string, unknown>>(ingressSql.cycles(), [query.limit]);
      return {
        cycles: result.rows.map((row) => ({
          cycleId: row.cycle_id,
          firstTs: iso(row.first_ts),
          lastTs: iso(row.last_ts),
          messages: num(row.messages),
          topics: row.topics,
          outcomes: row.outcomes,
        })),
      };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/explain/:id',
      summary:
        'The chain of one decision by cycle id or client order id: messages, signatures, orders, journal',
      params: z.strictObject({ id: z.string().min(1).max(200) }),
    },
    async ({ params, reply }) => {
      const explanation = await explain(store, bus, params.id);
      if (!explanation) return reply.code(404).send(problem('not_found', `no cycle or order "${params.id}"`));
      return { ...explanation, messages: explanation.messages.map(messageToJson) };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/costs',
      summary: 'LLM cost ledger by day, route, model and agent',
      query: z.strictObject({ from: isoDay.optional(), to: isoDay.optional(), days: queryInt(1, 366, 30) }),
    },
    async ({ query }) => {
      const to = query.to ? new Date(`${query.to}T00:00:00Z`) : new Date();
      const end = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate() + 1));
      const from = query.from
        ? new Date(`${query.from}T00:00:00Z`)
        : new Date(end.getTime() - query.days * 86_400_000);
      const rows = await ledgerSummary(store, from, end);
      const totalUsd = rows.reduce((sum, row) => sum + row.costUsd, 0);
      const notionalUsd = rows.reduce((sum, row) => sum + row.notionalUsd, 0);
      return { from: from.toISOString(), to: end.toISOString(), totalUsd, notionalUsd, rows };
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/routes',
      summary:
        'LLM routes with their circuit breakers, refused requests still standing, the daily budget, and who decided since the brain started',
    },
    async () => ({ ...(await readLlmStatus(store, config.llm)), decisions: deps.decisions?.() ?? null }),
  );

  table.add(
    {
      method: 'GET',
      url: '/bars',
      summary: 'Price bars of a symbol up to the current bar (for charts)',
      query: z.strictObject({ symbol: symbolSchema.optional(), limit: queryInt(10, 5_000, 200) }),
    },
    async ({ query, reply }) => {
      const symbols = deps.market?.symbols() ?? [];
      const symbol = query.symbol ?? symbols[0];
      const bars = symbol ? (deps.market?.bars(symbol, query.limit) ?? null) : null;
      if (!symbol || !bars)
        return reply.code(404).send(problem('not_found', `no bars for ${query.symbol ?? 'any symbol'}`));
      return { symbol, symbols, bars };
    },
  );
}
