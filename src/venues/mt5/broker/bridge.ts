import { createHash } from 'node:crypto';
import { publishLedgerFill } from '../../../broker/index.ts';
import { publishWith, topics } from '../../../bus/index.ts';
import {
  dropOrder,
  moveFill,
  recordFill,
  replacePositionSizes,
  settleLegs,
  settleOrder,
  settleOrderFromFills,
  unexplainedPositions,
} from '../../../ledger/index.ts';
import type { Queryable } from '../../../store/index.ts';
import { unitsFor } from './lots.ts';
import type { EaAck, EaCommand, EaHeartbeat, EaPositions } from './schemas.ts';
import { mt5Sql } from './sql.ts';

/**
 * The EA bridge's storage side: what each /mt5/v1 call does to the database. HTTP lives in
 * src/venues/mt5/mt5-routes.ts; everything here takes a Queryable so a call's writes share one
 * transaction with its msg_id claim (a repeated msg_id replays the stored answer, nothing else).
 */
export interface TransactionalStore extends Queryable {
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export const mt5BrokerName = 'mt5';

export function heartbeatName(terminalId: string): string {
  return `mt5:${terminalId}`;
}

export type Reply = { status: number; body?: Record<string, unknown> };

/** Runs `work` once per (terminal, msg_id); a repeat gets the first answer back. */
export async function once(
  store: TransactionalStore,
  terminalId: string,
  msgId: string,
  kind: string,
  work: (tx: Queryable) => Promise<Reply>,
): Promise<Reply> {
  return store
    .transaction(async (tx) => {
      const claimed = await tx.query(mt5Sql.claimMessage(), [terminalId, msgId, kind]);
      if (claimed.rows.length === 0) {
        const stored = await tx.query<{ response: Reply }>(mt5Sql.storedResponse(), [terminalId, msgId]);
        return stored.rows[0]?.response ?? { status: 200, body: { ok: true } };
      }
      const reply = await work(tx);
      // A 409 is not remembered: the conflicting message did nothing, so its msg_id stays unused.
      if (reply.status === 409) throw new ConflictReply(reply);
      await tx.query(mt5Sql.storeResponse(), [terminalId, msgId, JSON.stringify(reply)]);
      return reply;
    })
    .catch((error: unknown) => {
      if (error instanceof ConflictReply) return error.reply;
      throw error;
    });
}

class ConflictReply extends Error {
  constructor(readonly reply: Reply) {
    super('conflict');
  }
}

export async function recordHeartbeat(
  tx: Queryable,
  heartbeat: EaHeartbeat,
  settings: { heartbeatIntervalMs: number; pollIntervalS: number },
): Promise<Reply> {
  await tx.query(mt5Sql.beat(), [
    heartbeatName(heartbeat.terminal_id),
    settings.heartbeatIntervalMs,
    JSON.stringify({
      terminal_id: heartbeat.terminal_id,
      ea_version: heartbeat.ea_version,
      account: heartbeat.account ?? null,
      trade_allowed: heartbeat.trade_allowed ?? null,
      time_utc: heartbeat.time_utc,
      server_utc_offset_s: heartbeat.server_utc_offset_s,
      last_error: heartbeat.last_error ?? 0,
    }),
  ]);
  const queued = await tx.query<{ n: number }>(mt5Sql.countQueued(), [heartbeat.terminal_id]);
  return {
    status: 200,
    body: {
      ok: true,
      server_time_utc: Math.floor(Date.now() / 1000),
      poll_interval_s: settings.pollIntervalS,
      pending_commands: queued.rows[0]?.n ?? 0,
    },
  };
}

/** Age of the EA's last heartbeat in ms (undefined when it never beat): the watchdog's input. */
export async function eaHeartbeatAge(q: Queryable, terminalId: string): Promise<number | undefined> {
  const result = await q.query<{ age_ms: number }>(mt5Sql.heartbeatAge(), [heartbeatName(terminalId)]);
  const age = result.rows[0]?.age_ms;
  return age === undefined ? undefined : Math.max(0, Number(age));
}

export async function recordCapture(
  tx: Queryable,
  capture: {
    terminalId: string;
    msgId: string;
    symbol: string;
    timeframe: string;
    t: number;
    contentType: string;
    bytes: Buffer;
  },
): Promise<Reply> {
  const captureId = `cap_${createHash('sha256').update(`${capture.terminalId}\0${capture.msgId}`).digest('hex').slice(0, 24)}`;
  await tx.query(mt5Sql.insertCapture(), [
    captureId,
    capture.terminalId,
    capture.symbol,
    capture.timeframe,
    capture.t,
    capture.contentType,
    capture.bytes,
  ]);
  return { status: 200, body: { ok: true, capture_id: captureId } };
}

/** Queues a command for a terminal; the same command_id twice queues it once. */
export async function queueCommand(
  q: Queryable,
  command: Omit<EaCommand, 'seq' | 'expires_utc'> & {
    terminalId: string;
    clientOrderId: string | null;
    ttlS: number;
  },
): Promise<boolean> {
  const { terminalId, clientOrderId, ttlS, command_id, action, ...payload } = command;
  const inserted = await q.query(mt5Sql.queueCommand(), [
    command_id,
    terminalId,
    clientOrderId,
    action,
    JSON.stringify(payload),
    ttlS,
  ]);
  return inserted.rows.length > 0;
}

/** The next command for the EA, handed out exactly once; undefined when none is waiting. */
export async function takeNextCommand(
  store: TransactionalStore,
  terminalId: string,
): Promise<EaCommand | undefined> {
  return store.transaction(async (tx) => {
    const expired = await tx.query<{ client_order_id: string | null }>(mt5Sql.expireQueued(), [terminalId]);
    for (const row of expired.rows) {
      if (row.client_order_id)
        await settleOrder(tx, mt5BrokerName, row.client_order_id, {
          status: 'cancelled',
          reason: 'expired before the EA picked it up',
        });
    }
    const taken = await tx.query<{
      seq: number;
      command_id: string;
      action: EaCommand['action'];
      payload: Record<string, unknown>;
      expires_utc: number;
    }>(mt5Sql.takeNextCommand(), [terminalId]);
    const row = taken.rows[0];
    if (!row) return undefined;
    return {
      ...row.payload,
      command_id: row.command_id,
      seq: Number(row.seq),
      action: row.action,
      expires_utc: Number(row.expires_utc),
    } as EaCommand;
  });
}

const finalStatus: Record<EaAck['status'], string> = {
  done: 'done',
  duplicate: 'done',
  rejected: 'rejected',
  expired: 'expired',
};

/**
 * Applies the EA's acknowledgement: the command settles, our order takes the result, an
 * executed deal becomes a fill. A repeat of the same outcome is a no-op (200); a different
 * outcome for a settled command is a conflict (409) and changes nothing.
 */
export async function applyAck(tx: Queryable, ack: EaAck): Promise<Reply> {
  const found = await tx.query<{
    client_order_id: string | null;
    action: string;
    payload: Record<string, unknown>;
    status: string;
    ack: EaAck | null;
  }>(mt5Sql.commandForUpdate(), [ack.command_id, ack.terminal_id]);
  const command = found.rows[0];
  if (!command) return { status: 404 };
  const status = finalStatus[ack.status];
  if (command.status === 'done' || command.status === 'rejected' || command.status === 'expired') {
    return command.status === status ? { status: 200, body: { ok: true } } : { status: 409 };
  }
  await tx.query(mt5Sql.settleCommand(), [ack.command_id, status, JSON.stringify(ack)]);
  const clientOrderId = command.client_order_id;
  if (!clientOrderId) return { status: 200, body: { ok: true } };
  const payload = command.payload as { symbol?: string; side?: 'buy' | 'sell'; contract_size?: number };
  const brokerOrderId = ack.order ? String(ack.order) : null;
  if (status !== 'done') {
    const reason = `${ack.status}: ${ack.retcode_name ?? ack.retcode ?? ''} ${ack.comment ?? ''}`.trim();
    await settleOrder(tx, mt5BrokerName, clientOrderId, {
      status: status === 'expired' ? 'cancelled' : 'rejected',
      brokerOrderId,
      reason,
    });
    if (command.action === 'open') await settleLegs(tx, mt5BrokerName, clientOrderId, 'cancelled');
    return { status: 200, body: { ok: true } };
  }
  if (command.action === 'modify') {
    // The stop (or target) now works on the position itself.
    await settleOrder(tx, mt5BrokerName, clientOrderId, { status: 'open' });
    return { status: 200, body: { ok: true } };
  }
  if (command.action === 'cancel') {
    await settleOrder(tx, mt5BrokerName, clientOrderId, {
      status: 'cancelled',
      reason: 'cancelled at the broker',
    });
    return { status: 200, body: { ok: true } };
  }
  // open or close: 10008 PLACED means a pending order now works at the broker; else a deal executed.
  const executed =
    ack.retcode !== 10008 && (ack.deal ?? 0) > 0 && (ack.volume ?? 0) > 0 && (ack.price ?? 0) > 0;
  let executedDeal: string | undefined;
  if (executed) {
    // The EA may have reported this deal already (its deals post can beat a retried ack): the
    // fill then moves from the placeholder exit to the order that really sent it.
    const placeholder = `mt5-deal-${ack.deal}`;
    if (await moveFill(tx, mt5BrokerName, String(ack.deal), placeholder, clientOrderId))
      await dropOrder(tx, mt5BrokerName, placeholder);
    const inserted = await recordFill(tx, mt5BrokerName, {
      clientOrderId,
      executionId: String(ack.deal),
      symbol: payload.symbol ?? '',
      side: payload.side ?? 'buy',
      // The EA speaks lots; our orders, fills and positions are in units of the instrument.
      qty: unitsFor(ack.volume ?? 0, payload.contract_size ?? 1),
      price: ack.price ?? 0,
      time: (ack.time_utc ?? Math.floor(Date.now() / 1000)) * 1000,
    });
    if (inserted) executedDeal = String(ack.deal);
  }
  await settleOrderFromFills(tx, mt5BrokerName, clientOrderId, executed ? 'filled' : 'open', brokerOrderId);
  if (command.action === 'open' && executed) await settleLegs(tx, mt5BrokerName, clientOrderId, 'open');
  // Once the order row is settled: the fill's messages, as from every venue.
  if (executedDeal) await publishLedgerFill(tx, mt5BrokerName, executedDeal);
  return { status: 200, body: { ok: true } };
}

/** The EA's open positions; an older snapshot than the last one applied is ignored (out of order). */
export async function recordPositions(tx: Queryable, post: EaPositions): Promise<Reply> {
  await tx.query(mt5Sql.terminal(), [post.terminal_id]);
  const current = await tx.query<{ positions_time_utc: number }>(mt5Sql.positionsTimeForUpdate(), [
    post.terminal_id,
  ]);
  if (Number(current.rows[0]?.positions_time_utc ?? 0) > post.time_utc) {
    return { status: 200, body: { ok: true, applied: false } };
  }
  await tx.query(mt5Sql.setPositionsTime(), [post.terminal_id, post.time_utc]);
  await tx.query(mt5Sql.clearPositions(), [post.terminal_id]);
  for (const position of post.positions) {
    await tx.query(mt5Sql.insertPosition(), [
      post.terminal_id,
      position.ticket,
      position.symbol,
      position.type,
      position.volume,
      position.price_open,
      position.sl ?? null,
      position.tp ?? null,
      position.magic ?? null,
      position.comment ?? null,
      position.time_server === undefined ? null : position.time_server - post.server_utc_offset_s,
    ]);
  }
  const before = new Set((await unexplainedPositions(tx, mt5BrokerName)).map((row) => row.symbol));
  const net = await tx.query<{ symbol: string; qty: number; avg_price: number }>(mt5Sql.netPositions());
  await replacePositionSizes(
    tx,
    mt5BrokerName,
    net.rows.map((row) => ({ symbol: row.symbol, qty: Number(row.qty), avgPrice: Number(row.avg_price) })),
  );
  // A position no order of ours explains (opened by hand in the terminal): told once, when it appears.
  for (const row of await unexplainedPositions(tx, mt5BrokerName)) {
    if (before.has(row.symbol)) continue;
    await publishWith(tx, {
      fromAgent: 'mt5-bridge',
      toAgent: 'watchdog',
      topic: topics.brokerUnexplainedPosition,
      payload: {
        broker: mt5BrokerName,
        symbol: row.symbol,
        qty: row.qty,
        avgPrice: row.avgPrice,
      },
    });
  }
  return { status: 200, body: { ok: true, applied: true } };
}
