import { publishWith, topics } from '../../../bus/index.ts';
import type { Queryable } from '../../../store/index.ts';
import type { Reply } from './bridge.ts';
import type { EaBars } from './schemas.ts';
import { mt5Sql } from './sql.ts';

/**
 * Stores the closed bars the EA posted (server clock → UTC) and, when given, the symbol's
 * contract. A bar seen before is a duplicate; one that differs from the stored bar is a
 * conflict, answered and published.
 */
export async function recordBars(tx: Queryable, post: EaBars): Promise<Reply> {
  if (post.contract_size !== undefined && post.volume_min !== undefined && post.volume_step !== undefined) {
    await tx.query(mt5Sql.upsertSymbol(), [
      post.terminal_id,
      post.symbol,
      post.digits ?? null,
      post.contract_size,
      post.volume_min,
      post.volume_step,
      post.volume_max ?? null,
      post.tick_size ?? null,
      post.filling_mode ?? null,
      post.trade_mode ?? null,
    ]);
  }
  let accepted = 0;
  const conflicts: Array<{
    time_server: number;
    stored: Record<string, number>;
    posted: Record<string, number>;
  }> = [];
  for (const bar of post.bars) {
    // Bar times are on the trade server's clock; UTC = server time − offset.
    const timeUtc = bar.t - post.server_utc_offset_s;
    const inserted = await tx.query(mt5Sql.insertBar(), [
      post.terminal_id,
      post.symbol,
      post.timeframe,
      bar.t,
      timeUtc,
      bar.o,
      bar.h,
      bar.l,
      bar.c,
      bar.tv,
      bar.sp,
      bar.rv,
    ]);
    if (inserted.rows.length > 0) {
      accepted += 1;
      continue;
    }
    // Seen before: a repeat is a duplicate; different prices or UTC time (the broker's server
    // clock moved, e.g. for daylight saving) is a conflict, kept first-come but never silent.
    const stored = (
      await tx.query<{ time_utc: number; open: number; high: number; low: number; close: number }>(
        mt5Sql.storedBar(),
        [post.terminal_id, post.symbol, post.timeframe, bar.t],
      )
    ).rows[0];
    const posted = { time_utc: timeUtc, open: bar.o, high: bar.h, low: bar.l, close: bar.c };
    if (
      stored &&
      (Object.keys(posted) as Array<keyof typeof posted>).some((key) => Number(stored[key]) !== posted[key])
    )
      conflicts.push({ time_server: bar.t, stored: { ...stored }, posted });
  }
  if (conflicts.length > 0) {
    await publishWith(tx, {
      fromAgent: 'mt5-bridge',
      toAgent: 'operator',
      topic: topics.mt5BarsConflicting,
      payload: {
        terminalId: post.terminal_id,
        symbol: post.symbol,
        timeframe: post.timeframe,
        kept: 'the bar stored first',
        conflicts: conflicts.slice(0, 20),
        count: conflicts.length,
      },
    });
  }
  return {
    status: 200,
    body: {
      ok: true,
      accepted,
      duplicates: post.bars.length - accepted - conflicts.length,
      conflicts: conflicts.length,
    },
  };
}
