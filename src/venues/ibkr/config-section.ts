import { z } from 'zod';
import { defineVenueConfig } from '../venue-config.ts';

/**
 * `broker.ibkr`: how to reach TWS or IB Gateway over the TWS API socket. There is no secret: the
 * login is made in the Gateway itself (IBC or by hand), and only clients on its trusted IPs connect.
 * Ports by IB's defaults: IB Gateway 4002 paper / 4001 live, TWS 7497 paper / 7496 live.
 */
const pacingSchema = z
  .object({
    /** Historical requests per window (IB: no more than 60 in any 10 minutes). */
    maxRequests: z.number().int().min(1).max(60).default(60),
    windowMs: z.number().int().min(600_000).max(3_600_000).default(600_000),
    /** No identical historical request within this gap (IB: 15 s). */
    identicalGapMs: z.number().int().min(15_000).max(600_000).default(15_000),
    /** At most this many requests for one contract per `perContractWindowMs` (IB: 6 in 2 s; we keep 5). */
    perContractMax: z.number().int().min(1).max(5).default(5),
    perContractWindowMs: z.number().int().min(2_000).max(60_000).default(2_000),
    /** Wait after a pacing violation (error 162) before the request is tried again; doubles each time. */
    violationBackoffMs: z.number().int().min(1_000).max(600_000).default(15_000),
    /** Tries of one request after pacing violations before it fails. */
    maxRetries: z.number().int().min(0).max(10).default(4),
  })
  .strict();

export const ibkrSectionSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65_535).default(4002),
    /** The brain's API client id; the TWS refuses a second connection with an id in use (error 326). */
    clientId: z.number().int().min(0).max(2_147_483_647).default(1),
    /** The watchdog's own connection (it flattens through it); must differ from clientId. */
    watchdogClientId: z.number().int().min(0).max(2_147_483_647).default(2),
    /** Market data's own connection (backtests, cycles' bars, doctor): opened per request, closed after. */
    dataClientId: z.number().int().min(0).max(2_147_483_647).default(3),
    /** The account to trade; unset: the single account the Gateway manages. */
    account: z
      .string()
      .regex(/^[A-Z0-9]{2,20}$/, 'an IB account id such as DU1234567')
      .optional(),
    /** A live account (and `signet start --live`); false: paper only (a non-paper account is refused). */
    live: z.boolean().default(false),
    symbols: z.array(z.string().min(1).max(32)).default([]),
    exchange: z.string().min(1).max(32).default('SMART'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'a three-letter currency code such as USD')
      .default('USD'),
    /** IB's bar size setting, e.g. "1 day", "1 hour", "15 mins". */
    barSize: z
      .enum(['1 min', '5 mins', '15 mins', '30 mins', '1 hour', '4 hours', '1 day', '1 week'])
      .default('1 day'),
    whatToShow: z.enum(['TRADES', 'MIDPOINT', 'ADJUSTED_LAST']).default('TRADES'),
    /** Regular trading hours only. */
    useRth: z.boolean().default(true),
    /** Handshake (connect, nextValidId, managedAccounts) deadline. */
    connectTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
    /** A request (open orders, positions, account, bars) that outlasts this fails. */
    requestTimeoutMs: z.number().int().min(500).max(300_000).default(20_000),
    /** How long a submission waits for the TWS's first answer (openOrder/orderStatus or an error). */
    submitTimeoutMs: z.number().int().min(200).max(120_000).default(5_000),
    /** Reconnect backoff after the socket drops: from initial, doubling up to max. */
    reconnectInitialMs: z.number().int().min(50).max(60_000).default(1_000),
    reconnectMaxMs: z.number().int().min(100).max(600_000).default(60_000),
    /** Clock skew between the Gateway and this host above which doctor warns. */
    clockSkewWarnMs: z.number().int().min(100).max(600_000).default(2_000),
    pacing: pacingSchema.default(pacingSchema.parse({})),
  })
  .strict()
  .superRefine((section, context) => {
    if (section.clientId === section.watchdogClientId)
      context.addIssue({
        code: 'custom',
        path: ['watchdogClientId'],
        message: `must differ from broker.ibkr.clientId (${section.clientId}): the TWS refuses a client id already connected (error 326); set broker.ibkr.watchdogClientId to another number`,
      });
    if (section.dataClientId === section.clientId || section.dataClientId === section.watchdogClientId)
      context.addIssue({
        code: 'custom',
        path: ['dataClientId'],
        message: `must differ from broker.ibkr.clientId and watchdogClientId: each connection needs its own client id (TWS error 326); set broker.ibkr.dataClientId to another number`,
      });
    if (section.reconnectMaxMs < section.reconnectInitialMs)
      context.addIssue({
        code: 'custom',
        path: ['reconnectMaxMs'],
        message: 'must be at least broker.ibkr.reconnectInitialMs',
      });
  });

export type IbkrSection = z.infer<typeof ibkrSectionSchema>;
export type IbkrPacing = IbkrSection['pacing'];

export const ibkrVenueConfig = defineVenueConfig({
  section: ibkrSectionSchema,
  defaults: { feed: 'ibkr', mode: 'market' },
  // The login lives in the Gateway: nothing to read from the environment.
  secretEnv: () => ({}),
});
