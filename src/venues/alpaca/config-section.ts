import { z } from 'zod';
import { defineVenueConfig } from '../venue-config.ts';

/**
 * `broker.alpaca`: how to reach Alpaca. The keys are not part of the file: they come from the
 * environment (APCA_API_KEY_ID / APCA_API_SECRET_KEY, read by src/config).
 */
export const alpacaSectionSchema = z
  .object({
    /** paper → paper-api.alpaca.markets; live → api.alpaca.markets (and `signet start --live`). */
    mode: z.enum(['paper', 'live']).default('paper'),
    /** Override of the trading host (tests, proxies); default by mode. */
    tradingUrl: z.string().url().optional(),
    /** Override of the trade-updates stream; default: the trading host's /stream over wss. */
    streamUrl: z.string().url().optional(),
    dataUrl: z.string().url().default('https://data.alpaca.markets'),
    /**
     * Override of the real-time news stream (`pipeline.news.stream: true`); default
     * wss://stream.data.alpaca.markets/v1beta1/news.
     */
    newsStreamUrl: z.string().url().optional(),
    /** iex is free; sip needs a paid plan for the last 15 minutes. */
    dataFeed: z.enum(['iex', 'sip', 'delayed_sip', 'boats', 'otc']).default('iex'),
    adjustment: z.enum(['raw', 'split', 'dividend', 'spin-off', 'all']).default('all'),
    /** Bar timeframe of the feed, e.g. 1Day, 15Min, 1Hour. */
    timeframe: z
      .string()
      .regex(
        /^([1-9]|[1-5][0-9])(Min|T)$|^([1-9]|1[0-9]|2[0-3])(Hour|H)$|^1(Day|D|Week|W)$|^(1|2|3|4|6|12)(Month|M)$/,
        'an Alpaca timeframe such as 1Day, 15Min or 1Hour',
      )
      .default('1Day'),
    symbols: z.array(z.string().min(1).max(32)).default([]),
    /** Per request; a submission that outlasts it is looked up by client order id, never resent blindly. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Backoffs after 429/5xx (reads) before giving up. */
    maxRetries: z.number().int().min(0).max(20).default(5),
    /** Polling fallback while the trade-updates stream is down. */
    pollIntervalMs: z.number().int().min(250).max(600_000).default(5_000),
  })
  .strict();

export type AlpacaSection = z.infer<typeof alpacaSectionSchema>;

export const alpacaVenueConfig = defineVenueConfig({
  section: alpacaSectionSchema,
  defaults: { feed: 'alpaca', mode: 'market' },
  secretEnv: () => ({ alpacaKeyId: 'APCA_API_KEY_ID', alpacaSecretKey: 'APCA_API_SECRET_KEY' }),
  watchdogSecretEnv: {
    alpacaKeyId: 'SIGNET_WATCHDOG_APCA_API_KEY_ID',
    alpacaSecretKey: 'SIGNET_WATCHDOG_APCA_API_SECRET_KEY',
  },
});

export const alpacaTradingUrls = {
  paper: 'https://paper-api.alpaca.markets',
  live: 'https://api.alpaca.markets',
} as const;

/** Trading REST and stream URLs of the configured mode (overrides first). */
export function alpacaEndpoints(section: AlpacaSection): {
  tradingUrl: string;
  streamUrl: string;
  dataUrl: string;
} {
  const tradingUrl = (section.tradingUrl ?? alpacaTradingUrls[section.mode]).replace(/\/+$/, '');
  const streamUrl = section.streamUrl ?? `${tradingUrl.replace(/^http/, 'ws')}/stream`;
  return { tradingUrl, streamUrl, dataUrl: section.dataUrl.replace(/\/+$/, '') };
}
