import { z } from 'zod';
import { defineVenueConfig } from '../venue-config.ts';

/** `broker.mt5`: the EA bridge. The EA's token comes from the environment (`tokenEnv`, read by src/config). */
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

export type Mt5Section = z.infer<typeof mt5SectionSchema>;

export const mt5VenueConfig = defineVenueConfig({
  section: mt5SectionSchema,
  defaults: { feed: 'mt5', mode: 'market' },
  // The EA queues its commands in the database, so the watchdog needs no token of its own.
  secretEnv: (section) => ({ mt5Token: section.tokenEnv }),
  sharedTokens: ['mt5Token'],
});
