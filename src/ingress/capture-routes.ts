import { z } from 'zod';
import type { IngressDeps } from './deps.ts';
import { queryInt, type RouteTable } from './validation.ts';

/** SQL of the chart captures the MT5 EA posts (`mt5_captures`). */
export const captureSql = {
  list: () =>
    `SELECT capture_id, terminal_id, symbol, timeframe, time_server, content_type, octet_length(bytes) AS size,
            received_at
       FROM mt5_captures WHERE ($1::text IS NULL OR symbol = $1) ORDER BY received_at DESC, capture_id LIMIT $2`,
  bytes: () => 'SELECT content_type, bytes FROM mt5_captures WHERE capture_id = $1',
};

/**
 * The terminal's own chart pictures, for the console: a list (newest first) and each image's
 * bytes. The console fetches the bytes with the operator token and shows them from a blob URL,
 * so no image is ever served without the token.
 */
export function registerCaptureRoutes(table: RouteTable, deps: IngressDeps): void {
  const { store } = deps;
  table.add(
    {
      method: 'GET',
      url: '/captures',
      summary: 'Chart captures posted by the MetaTrader 5 EA, newest first',
      query: z.strictObject({
        symbol: z.string().min(1).max(64).optional(),
        limit: queryInt(1, 200, 20),
      }),
    },
    async ({ query }) => {
      const rows = await store.query<{
        capture_id: string;
        terminal_id: string;
        symbol: string;
        timeframe: string;
        time_server: number;
        content_type: string;
        size: number;
        received_at: Date;
      }>(captureSql.list(), [query.symbol ?? null, query.limit]);
      return {
        captures: rows.rows.map((row) => ({
          captureId: row.capture_id,
          terminalId: row.terminal_id,
          symbol: row.symbol,
          timeframe: row.timeframe,
          timeServer: Number(row.time_server),
          contentType: row.content_type,
          size: Number(row.size),
          receivedAt: row.received_at.toISOString(),
        })),
      };
    },
  );
  table.add(
    {
      method: 'GET',
      url: '/captures/:id',
      summary: 'The bytes of one chart capture (PNG, GIF or BMP, as the EA posted it)',
      params: z.strictObject({ id: z.string().regex(/^cap_[0-9a-f]{24}$/, 'a capture id like cap_…') }),
    },
    async ({ params, reply }) => {
      const row = (
        await store.query<{ content_type: string; bytes: Buffer }>(captureSql.bytes(), [params.id])
      ).rows[0];
      if (!row) return reply.code(404).send({ error: 'not_found', message: `no capture "${params.id}"` });
      return reply.type(row.content_type).header('cache-control', 'no-store').send(row.bytes);
    },
  );
}
