import { z } from 'zod';
import { defaultVenueKind, venueConfigs, venueFeedKinds, venueKinds } from '../venues/config-sections.ts';

const defaultFeedKind = venueConfigs[defaultVenueKind].defaults.feed;

/**
 * The sections that shape a running Signet: where its files are, the market it watches, the
 * paper account, the risk limits, the Strategist's rules, the pipeline and the schedule.
 */
export const pathsSectionSchema = z
  .object({
    /** Skills folder (SKILL.md files), relative to the working directory; default: the shipped skills/. */
    skillsDir: z.string().min(1).optional(),
    /** Context folder for journal/ and reports/, relative to the working directory. */
    contextDir: z.string().min(1).default('context'),
    /** The philosophy given to every agent; default: <contextDir>/philosophy.md, else the shipped one. */
    philosophyFile: z.string().min(1).optional(),
  })
  .strict();

export const feedSectionSchema = z
  .object({
    /** Default: follows broker.kind (each venue's own bars; sim for the paper broker). csv: files. */
    kind: z.enum([...venueFeedKinds, 'csv']).default(defaultFeedKind),
    sim: z
      .object({
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 32 - 1)
          .default(14),
        symbols: z
          .array(z.string().min(1).max(32))
          .min(1)
          .default(['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO']),
        /** Bars generated per symbol; the runtime replays them one by one. */
        bars: z.number().int().min(60).max(1_000_000).default(2_520),
        start: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2015-01-02')
          .default('2015-01-02'),
        /** Bars of history the agents see before the first live bar. */
        warmupBars: z.number().int().min(50).max(10_000).default(60),
      })
      .strict()
      .default({
        seed: 14,
        symbols: ['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO'],
        bars: 2_520,
        start: '2015-01-02',
        warmupBars: 60,
      }),
    csv: z
      .object({
        files: z.array(z.string().min(1)).default([]),
        adjusted: z.boolean().default(false),
      })
      .strict()
      .default({ files: [], adjusted: false }),
  })
  .strict();

export const paperSectionSchema = z
  .object({
    cash: z.number().positive().default(100_000),
    /** Fraction of traded value. */
    commission: z.number().min(0).max(0.05).default(0.001),
    slippage: z.number().min(0).max(0.05).default(0),
    /** Collateral held per unit of short value (1.5 = Reg-T initial margin, 150 %). */
    shortMarginRequirement: z.number().min(1).max(10).default(1.5),
    /** Annual stock-borrow fee on short value, charged per calendar day held (rate / 360). */
    borrowFeeRate: z.number().min(0).max(1).default(0.03),
  })
  .strict();

export const riskSectionSchema = z
  .object({
    maxPositionPct: z.number().gt(0).max(1).default(0.1),
    maxGrossExposurePct: z.number().gt(0).max(4).default(1),
    maxDailyLossPct: z.number().gt(0).max(1).default(0.03),
    maxSymbolDailyLossPct: z.number().gt(0).max(1).default(0.01),
    maxRiskPerTradePct: z.number().gt(0).max(0.1).default(0.01),
    minStopDistancePct: z.number().min(0).max(0.5).default(0.002),
    maxStopDistancePct: z.number().gt(0).max(0.9).default(0.15),
    /** How far a proposal's entry may be from the fresh quote (code check on every path). */
    maxEntryFromQuotePct: z.number().gt(0).max(0.5).default(0.02),
    maxCorrelation: z.number().min(0).max(1).default(0.85),
    correlationLookback: z.number().int().min(5).max(1_000).default(60),
  })
  .strict();

export const strategistSectionSchema = z
  .object({
    /** The deterministic strategy that decides when no LLM can be asked. */
    fallback: z.enum(['sma-cross', 'breakout', 'mean-reversion']).default('sma-cross'),
    fallbackParameters: z.record(z.string(), z.number()).default({ fast: 10, slow: 30 }),
    minRewardToRisk: z.number().gt(0).default(1.5),
    maxHorizonBars: z.number().int().min(1).max(1_000).default(20),
    /**
     * Whether new short entries (sell first) may be proposed and signed. Off: the fallback
     * proposes none and the Risk Gate vetoes any sell entry in code. On: every venue shorts
     * (paper margin model: paper.shortMarginRequirement, paper.borrowFeeRate).
     */
    allowShort: z.boolean().default(false),
    stopAtr: z.number().gt(0).default(2),
    targetAtr: z.number().gt(0).default(3),
  })
  .strict();

export const pipelineSectionSchema = z
  .object({
    timeframe: z.string().min(1).default('1d'),
    topK: z.number().int().min(1).max(500).default(3),
    parallelism: z.number().int().min(1).max(64).default(4),
    signerTimeoutMs: z.number().int().min(100).max(600_000).default(120_000),
    /** Data older than this (at signing time) is vetoed by the FactChecker's rules. */
    maxDataAgeSeconds: z.number().int().min(1).default(172_800),
    /**
     * How far a fact the Strategist cites (by name: close, sma30, atr14, ...) may be from the data
     * it names, in percent of that value, before the FactChecker's code check vetoes; a fact is
     * also accepted within half a unit of its own last decimal (rounding).
     */
    factTolerancePct: z.number().min(0).max(5).default(0.1),
    /**
     * Headlines for the Strategist and the FactChecker, never later than the bar being decided:
     * none, a CSV/JSON file (backtests: id,time,symbols,headline,source,url), or Alpaca's news API.
     */
    news: z
      .object({
        /** none, file, or a venue kind whose adapter serves news (Alpaca's news API). */
        source: z.enum(['none', 'file', ...venueKinds]).default('none'),
        /** The news file when source is "file" (relative to the working folder). */
        file: z.string().min(1).optional(),
        lookbackHours: z
          .number()
          .min(1)
          .max(24 * 90)
          .default(72),
        /** Headlines per candidate (newest first). */
        limit: z.number().int().min(1).max(50).default(5),
        /**
         * Keep a local buffer of the venue's real-time news (Alpaca's stream) and answer from it,
         * the historical API standing in for a symbol not buffered yet; needs a venue source.
         */
        stream: z.boolean().default(false),
      })
      .strict()
      .refine((news) => news.source !== 'file' || news.file !== undefined, {
        path: ['file'],
        message:
          'pipeline.news.file is required when pipeline.news.source is "file" (a CSV or JSON of headlines)',
      })
      .refine((news) => !news.stream || (news.source !== 'none' && news.source !== 'file'), {
        path: ['stream'],
        message:
          'pipeline.news.stream: true needs pipeline.news.source set to a venue with a news stream (alpaca), not none or file',
      })
      .default({ source: 'none', lookbackHours: 72, limit: 5, stream: false }),
  })
  .strict();

export const scheduleSectionSchema = z
  .object({
    /**
     * sim: an accelerated clock replays the feed bar by bar (one bar every barIntervalMs).
     * market: cycles on the exchange calendar in its time zone (cron expressions below), or on
     * each newly closed bar the MT5 EA posts. Default: follows broker.kind (sim for paper).
     */
    mode: z.enum(['sim', 'market']).default('sim'),
    barIntervalMs: z.number().int().min(10).max(3_600_000).default(2_000),
    timezone: z.string().min(1).default('America/New_York'),
    premarketCron: z.string().min(1).default('0 9 * * 1-5'),
    cycleCron: z.string().min(1).default('*/15 10-15 * * 1-5'),
    nightlyCron: z.string().min(1).default('30 22 * * 1-5'),
    /** How often the position monitor reconciles with the broker. */
    monitorIntervalMs: z.number().int().min(100).max(3_600_000).default(10_000),
    /** Skip the premarket and cycle jobs on weekends and NYSE holidays (market mode). */
    tradingDaysOnly: z.boolean().default(true),
    /** Days of bars loaded for each cycle in market mode (indicators need ~60 bars). */
    historyDays: z.number().int().min(10).max(3_650).default(120),
  })
  .strict();

export type PathsSection = z.infer<typeof pathsSectionSchema>;
export type FeedSection = z.infer<typeof feedSectionSchema>;
export type PaperSection = z.infer<typeof paperSectionSchema>;
export type RiskSection = z.infer<typeof riskSectionSchema>;
export type StrategistSection = z.infer<typeof strategistSectionSchema>;
export type PipelineSection = z.infer<typeof pipelineSectionSchema>;
export type ScheduleSection = z.infer<typeof scheduleSectionSchema>;

export const watchdogSectionSchema = z
  .object({
    /** `signet start` launches the watchdog process (detached) in market mode, or always, or never. */
    autostart: z.enum(['market', 'always', 'never']).default('market'),
    checkIntervalMs: z.number().int().min(100).max(600_000).default(2_000),
    /** The brain beats this often; twice this without a beat is a dead brain. */
    brainHeartbeatMs: z.number().int().min(100).max(600_000).default(5_000),
    deadBrainLevel: z.number().int().min(1).max(4).default(4),
    /** Drawdown from the equity high-water mark that flattens everything. */
    maxDrawdownPct: z.number().gt(0).max(1).default(0.1),
    maxDailyLossPct: z.number().gt(0).max(1).default(0.05),
    dailyLossLevel: z.number().int().min(1).max(4).default(2),
    /** Gross exposure over equity above which no new entries are allowed. */
    maxMarginUtilisation: z.number().gt(0).max(10).default(1.5),
    /** A position without a live stop at the broker: put one back, or halt at level 4. */
    missingStop: z.enum(['reattach', 'halt']).default('reattach'),
    /** Stop distance used when re-attaching, as a fraction of the average price. */
    reattachStopPct: z.number().gt(0).max(0.5).default(0.05),
    staleJobLevel: z.number().int().min(1).max(4).default(1),
    /** A broker position no order of ours explains (opened by hand or by another system). */
    unexplainedPositionLevel: z.number().int().min(1).max(4).default(2),
    staleBrokerLevel: z.number().int().min(1).max(4).default(2),
    /**
     * The watchdog's own broker connection cannot read the account or positions: nothing at the
     * broker is known, so no new entries. Failures shorter than brokerUnreachableMs are blips.
     */
    brokerUnreachableLevel: z.number().int().min(1).max(4).default(2),
    brokerUnreachableMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /** How long the database may be unreachable before the watchdog flattens on its own. */
    databaseUnreachableMs: z.number().int().min(100).max(3_600_000).default(15_000),
    /**
     * The level the brain itself latches in sim mode after a loss that long. The sim clock waited
     * for the database, so no bar went by unwatched: 2 (no new entries) keeps the positions and
     * their stops for the operator to inspect; 4 would flatten them on the next bar.
     */
    simDatabaseLossLevel: z.number().int().min(1).max(4).default(2),
    llmBudgetLevel: z.number().int().min(1).max(4).default(1),
    /** Where pages go (JSON POST, Slack/Discord/ntfy-compatible); unset: log only. */
    webhookUrl: z.string().url().optional(),
    pageRetryMs: z.number().int().min(10).max(600_000).default(2_000),
  })
  .strict();
export type WatchdogSection = z.infer<typeof watchdogSectionSchema>;
