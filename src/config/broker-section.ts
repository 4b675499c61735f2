import { z } from 'zod';
import { Secret } from './secret.ts';

/**
 * The `broker` section of signet.yaml: which broker trades (paper, alpaca, mt5) and how to reach
 * it. Keys and tokens are not part of the file: they come from the environment (see
 * `readBrokerSecrets`): APCA_API_KEY_ID / APCA_API_SECRET_KEY for Alpaca, SIGNET_MT5_TOKEN
 * (or `mt5.tokenEnv`) for the EA bridge.
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

export const mt5SectionSchema = z
  .object({
    /** Environment variable holding the EA's bearer token. */
    tokenEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
      .default('SIGNET_MT5_TOKEN'),
    /** How often the EA promises to beat; the watchdog calls an older beat stale. */
    heartbeatIntervalMs: z.number().int().min(1_000).max(300_000).default(10_000),
    /** What the EA is told about polling. */
    pollIntervalS: z.number().int().min(1).max(60).default(2),
    /** A command not picked up within this time expires. */
    commandTtlS: z.number().int().min(5).max(3_600).default(60),
    /** The terminal to trade, as the EA names it (`<login>@<server>`); unset: the only one connected. */
    terminalId: z.string().min(1).max(200).optional(),
    /** Symbols to trade; empty: every symbol the EA posts bars for. */
    symbols: z.array(z.string().min(1).max(64)).default([]),
    /** The timeframe of the bars the EA posts (its InpBarsTimeframe). */
    timeframe: z
      .string()
      .regex(
        /^(M(1|2|3|4|5|6|10|12|15|20|30)|H(1|2|3|4|6|8|12)|D1|W1|MN1)$/,
        'an MT5 timeframe such as M5 or H1',
      )
      .default('M5'),
    /** How often market mode looks for a newly closed bar; each new bar runs one decision cycle. */
    newBarCheckMs: z.number().int().min(100).max(600_000).default(2_000),
    /** Bars of history per symbol a cycle loads (the newest ones): indicators need about 60. */
    historyBars: z.number().int().min(60).max(100_000).default(1_000),
    /** How long a cycle waits for every symbol's EA to post the new bar before it runs anyway. */
    newBarGraceMs: z.number().int().min(0).max(600_000).default(10_000),
    /** MT5 magic number on Signet's orders and positions (the EA's InpMagic). */
    magic: z.number().int().min(0).default(20261121),
    /** Largest price deviation accepted for market orders, in points. */
    deviationPoints: z.number().int().min(0).max(10_000).default(10),
  })
  .strict();

export const brokerSectionSchema = z
  .object({
    kind: z.enum(['paper', 'alpaca', 'mt5']).default('paper'),
    alpaca: alpacaSectionSchema.default(alpacaSectionSchema.parse({})),
    mt5: mt5SectionSchema.default(mt5SectionSchema.parse({})),
  })
  .strict();

export type BrokerSection = z.infer<typeof brokerSectionSchema>;
export type AlpacaSection = z.infer<typeof alpacaSectionSchema>;
export type Mt5Section = z.infer<typeof mt5SectionSchema>;

export interface BrokerSecrets {
  alpacaKeyId: Secret | undefined;
  alpacaSecretKey: Secret | undefined;
  mt5Token: Secret | undefined;
}

export function readBrokerSecrets(env: NodeJS.ProcessEnv, section: BrokerSection): BrokerSecrets {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value ? new Secret(value) : undefined;
  };
  return {
    alpacaKeyId: read('APCA_API_KEY_ID'),
    alpacaSecretKey: read('APCA_API_SECRET_KEY'),
    mt5Token: read(section.mt5.tokenEnv),
  };
}

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
