import { z } from 'zod';

/**
 * zod schemas of the Alpaca answers Signet reads, keeping only the fields it uses (zod strips
 * the rest; Alpaca adds fields without versioning). Trading decimals arrive as JSON strings.
 */
const decimal = z.union([
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string')
    .transform(Number),
  z.number().finite(),
]);
const time = z.string().min(1);

export const accountSchema = z.object({
  id: z.string().min(1),
  account_number: z.string().optional(),
  status: z.string().min(1),
  currency: z.string().default('USD'),
  cash: decimal,
  equity: decimal,
  buying_power: decimal,
  trading_blocked: z.boolean().default(false),
  account_blocked: z.boolean().default(false),
  pattern_day_trader: z.boolean().default(false),
  daytrade_count: z.number().int().nonnegative().default(0),
  /** Whether the account may sell short (margin accounts); absent reads as no (fail closed). */
  shorting_enabled: z.boolean().default(false),
});
export type AlpacaAccount = z.infer<typeof accountSchema>;

export const clockSchema = z.object({
  timestamp: time,
  is_open: z.boolean(),
  next_open: time,
  next_close: time,
});
export type AlpacaClock = z.infer<typeof clockSchema>;

export const calendarSchema = z.array(
  z.object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    open: z.string().regex(/^\d{2}:\d{2}$/),
    close: z.string().regex(/^\d{2}:\d{2}$/),
  }),
);
export type AlpacaCalendarDay = z.infer<typeof calendarSchema>[number];

export const positionSchema = z.object({
  symbol: z.string().min(1),
  qty: decimal,
  avg_entry_price: decimal,
  side: z.enum(['long', 'short']),
  current_price: decimal.nullable().optional(),
});
export type AlpacaPosition = z.infer<typeof positionSchema>;

const orderFields = {
  id: z.string().min(1),
  client_order_id: z.string().min(1),
  symbol: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  time_in_force: z.string().default('day'),
  qty: decimal.nullable(),
  filled_qty: decimal,
  filled_avg_price: decimal.nullable(),
  limit_price: decimal.nullable().optional(),
  stop_price: decimal.nullable().optional(),
  status: z.string().min(1),
  order_class: z.string().nullable().optional(),
  submitted_at: time.nullable().optional(),
  created_at: time,
  updated_at: time.nullable().optional(),
  filled_at: time.nullable().optional(),
  /** Set on an order that was replaced: the id of the order that replaced it. */
  replaced_by: z.string().nullable().optional(),
  /** Set on a replacing order: the id of the order it replaces. */
  replaces: z.string().nullable().optional(),
};

export interface AlpacaOrder extends z.infer<z.ZodObject<typeof orderFields>> {
  legs?: AlpacaOrder[] | null;
}

export const orderSchema: z.ZodType<AlpacaOrder> = z.object({
  ...orderFields,
  legs: z.lazy(() => z.array(orderSchema).nullable().optional()),
});
export const orderListSchema = z.array(orderSchema);

/**
 * GET /v2/assets/{symbol} (https://docs.alpaca.markets/reference/get-v2-assets-symbol_or_asset_id):
 * `shortable` and `easy_to_borrow` say whether Alpaca lends it for a short; absent reads as no.
 */
export const assetSchema = z.object({
  symbol: z.string().min(1),
  tradable: z.boolean().default(false),
  shortable: z.boolean().default(false),
  easy_to_borrow: z.boolean().default(false),
});
export type AlpacaAsset = z.infer<typeof assetSchema>;

export const positionListSchema = z.array(positionSchema);

export const closeAllSchema = z.array(
  z.object({ symbol: z.string(), status: z.number().int(), body: z.unknown().optional() }),
);

export const errorBodySchema = z
  .object({ code: z.number().int().optional(), message: z.string().optional() })
  .passthrough();

export const tradeUpdateSchema = z.object({
  event: z.string().min(1),
  execution_id: z.string().optional(),
  timestamp: time.optional(),
  price: decimal.optional(),
  qty: decimal.optional(),
  position_qty: decimal.optional(),
  order: orderSchema,
});
export type AlpacaTradeUpdate = z.infer<typeof tradeUpdateSchema>;

export const streamMessageSchema = z.object({ stream: z.string(), data: z.unknown() });

/** Market data: numbers are real JSON numbers here. */
export const barSchema = z.object({
  t: time,
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
});
export type AlpacaBar = z.infer<typeof barSchema>;

export const multiBarsSchema = z.object({
  // A symbol without data may be absent or null; parse defensively.
  bars: z.record(z.string(), z.array(barSchema).nullable()).nullable(),
  next_page_token: z.string().nullable().optional(),
});

export const latestBarsSchema = z.object({ bars: z.record(z.string(), barSchema) });
