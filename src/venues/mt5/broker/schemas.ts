import { z } from 'zod';

/**
 * Bodies the EA posts to /mt5/v1 (mt5-bridge.md section 5, a PROPOSED contract of ours).
 * Unknown fields are dropped; errors name the field.
 */
const id = z.string().min(1).max(200);
const epoch = z.number().int().nonnegative();
const price = z.number().finite();

export const heartbeatSchema = z.object({
  msg_id: id,
  terminal_id: id,
  ea_version: z.string().max(40),
  build: z.number().int().optional(),
  account: z
    .object({
      login: z.number().int(),
      server: z.string().max(200),
      currency: z.string().max(10),
      trade_mode: z.number().int().optional(),
      balance: price,
      equity: price,
      margin_free: price.optional(),
    })
    .optional(),
  trade_allowed: z.boolean().optional(),
  symbols: z.array(z.string().max(64)).max(500).optional(),
  time_server: epoch.optional(),
  time_utc: epoch,
  server_utc_offset_s: z.number().int().min(-86_400).max(86_400).default(0),
  last_error: z.number().int().optional(),
});
export type EaHeartbeat = z.infer<typeof heartbeatSchema>;

export const maxBarsPerPost = 1000;

export const barsSchema = z.object({
  msg_id: id,
  terminal_id: id,
  symbol: z.string().min(1).max(64),
  timeframe: z
    .string()
    .regex(
      /^(M(1|2|3|4|5|6|10|12|15|20|30)|H(1|2|3|4|6|8|12)|D1|W1|MN1)$/,
      'an MT5 timeframe such as M5 or H1',
    ),
  digits: z.number().int().min(0).max(10).optional(),
  /**
   * The symbol's contract (SymbolInfoDouble SYMBOL_TRADE_CONTRACT_SIZE, SYMBOL_VOLUME_MIN/STEP/MAX):
   * Signet sizes in units of the instrument and turns them into lots with these. Without them
   * no order for the symbol goes out (SignetBridge 1.1 sends them).
   */
  contract_size: price.positive().optional(),
  volume_min: price.positive().optional(),
  volume_step: price.positive().optional(),
  volume_max: price.positive().optional(),
  /**
   * SignetBridge 1.2: SYMBOL_TRADE_TICK_SIZE, SYMBOL_FILLING_MODE (flags 1 FOK, 2 IOC, 4 BOC) and
   * SYMBOL_TRADE_MODE (0 disabled, 1 long only, 2 short only, 3 close only, 4 full):
   * https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants
   */
  tick_size: price.positive().optional(),
  filling_mode: z.number().int().min(0).max(15).optional(),
  trade_mode: z.number().int().min(0).max(4).optional(),
  server_utc_offset_s: z.number().int().min(-86_400).max(86_400).default(0),
  bars: z.array(
    z.object({
      t: epoch,
      o: price.positive(),
      h: price.positive(),
      l: price.positive(),
      c: price.positive(),
      tv: z.number().int().nonnegative().default(0),
      sp: z.number().int().default(0),
      rv: z.number().int().nonnegative().default(0),
    }),
  ),
});
export type EaBars = z.infer<typeof barsSchema>;

export const ackSchema = z.object({
  msg_id: id,
  terminal_id: id,
  command_id: id,
  status: z.enum(['done', 'rejected', 'expired', 'duplicate']),
  retcode: z.number().int().optional(),
  retcode_name: z.string().max(80).optional(),
  order: z.number().int().nonnegative().optional(),
  deal: z.number().int().nonnegative().optional(),
  price: price.nonnegative().optional(),
  volume: price.nonnegative().optional(),
  comment: z.string().max(500).optional(),
  time_utc: epoch.optional(),
});
export type EaAck = z.infer<typeof ackSchema>;

export const positionsSchema = z.object({
  msg_id: id,
  terminal_id: id,
  time_utc: epoch,
  positions: z
    .array(
      z.object({
        ticket: z.number().int().positive(),
        symbol: z.string().min(1).max(64),
        type: z.enum(['buy', 'sell']),
        volume: price.positive(),
        price_open: price.positive(),
        sl: price.nonnegative().optional(),
        tp: price.nonnegative().optional(),
        magic: z.number().int().optional(),
        comment: z.string().max(200).optional(),
        /** POSITION_TIME: when it opened, on the trade server's clock. */
        time_server: epoch.optional(),
      }),
    )
    .max(1000),
  server_utc_offset_s: z.number().int().min(-86_400).max(86_400).default(0),
});
export type EaPositions = z.infer<typeof positionsSchema>;

export const maxDealsPerPost = 500;

/** Deals that closed positions (SignetBridge 1.1): SL/TP hits, closes by hand, stop-outs. */
export const dealsSchema = z.object({
  msg_id: id,
  terminal_id: id,
  server_utc_offset_s: z.number().int().min(-86_400).max(86_400).default(0),
  deals: z.array(
    z.object({
      ticket: z.number().int().positive(),
      order: z.number().int().nonnegative().default(0),
      position_id: z.number().int().nonnegative().default(0),
      symbol: z.string().min(1).max(64),
      type: z.enum(['buy', 'sell']),
      volume: price.positive(),
      price: price.positive(),
      profit: price.optional(),
      time_server: epoch,
      reason: z.enum(['sl', 'tp', 'so', 'expert', 'client', 'mobile', 'web', 'other']).default('other'),
      magic: z.number().int().optional(),
    }),
  ),
});
export type EaDeals = z.infer<typeof dealsSchema>;

export const chartQuerySchema = z.object({
  terminal_id: id,
  msg_id: id,
  symbol: z.string().min(1).max(64),
  timeframe: z.string().min(1).max(8),
  t: z.coerce.number().int().nonnegative(),
});

export const pollQuerySchema = z.object({
  terminal_id: id,
  after: z.coerce.number().int().nonnegative().optional(),
});

/** The command handed to the EA: one flat object, easy to parse without a JSON library. */
export interface EaCommand {
  command_id: string;
  seq: number;
  action: 'open' | 'close' | 'modify' | 'cancel' | 'close_all';
  symbol?: string;
  side?: 'buy' | 'sell';
  volume?: number;
  order_type?: 'market' | 'limit' | 'stop';
  price?: number;
  sl?: number;
  tp?: number;
  deviation_points?: number;
  magic?: number;
  comment?: string;
  position_ticket?: number;
  order_ticket?: number;
  /** close_all: `all` closes every position on the account (level-4 flatten), `ours` only our magic's. */
  scope?: 'all' | 'ours';
  /** Units per lot, kept with the command so its ack's volume becomes units (the EA ignores it). */
  contract_size?: number;
  expires_utc: number;
}
