import { z } from 'zod';
import type { CopyConnection } from '../bus/index.ts';
import { ValidationError } from '../errors/index.ts';
import { type BarSeries, csvFeed, type Feed, type SkippedRow, simFeed } from '../market/index.ts';
import { copyMessageLog } from '../pipeline/index.ts';
import { createStrategy } from '../strategies/index.ts';
import { type BacktestRun, backtestSettingsSchema, fingerprint, runBacktest } from './runner.ts';

/** Everything `signet backtest` can ask for, validated once. */
export const backtestJobSchema = z
  .object({
    /** csv files, the seeded sim market, or a venue's own bars by its kind (wired by the caller). */
    feed: z.string().min(1),
    files: z.array(z.string().min(1)).default([]),
    symbols: z.array(z.string().min(1)).optional(),
    adjusted: z.boolean().default(false),
    skipBadRows: z.boolean().default(false),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(1),
    simBars: z.number().int().min(1).max(1_000_000).default(2_520),
    strategy: z.string().default('sma-cross'),
    parameters: z.record(z.string(), z.number()).default({}),
    settings: backtestSettingsSchema.default(backtestSettingsSchema.parse({})),
    from: z.number().optional(),
    to: z.number().optional(),
    runId: z.string().min(1).max(100).optional(),
  })
  .strict()
  .superRefine((job, context) => {
    if (job.feed === 'csv' && job.files.length === 0)
      context.addIssue({
        code: 'custom',
        path: ['files'],
        message: 'the csv feed needs at least one --data FILE',
      });
    if (job.from !== undefined && job.to !== undefined && job.to < job.from)
      context.addIssue({ code: 'custom', path: ['to'], message: '--to is before --from' });
  });

export type BacktestJob = z.input<typeof backtestJobSchema>;

export interface BacktestJobResult {
  run: BacktestRun;
  skipped: SkippedRow[];
  /** Messages written to the bus (0 when no queryable was given). */
  logged: number;
}

/** Feeds that need a connection (config, database), by venue kind: the caller wires them. */
export type VenueFeeds = Readonly<Record<string, (symbols: string[] | undefined) => Feed>>;

/** How the bars load: `parallel` as csvFeed takes it (a second thread for many CSV files). */
export interface LoadOptions {
  parallel?: boolean;
}

export function feedFor(
  job: z.output<typeof backtestJobSchema>,
  venues: VenueFeeds = {},
  load: LoadOptions = {},
): Feed {
  if (job.feed === 'sim')
    return simFeed({ seed: job.seed, bars: job.simBars, symbols: job.symbols ?? ['SIM'] });
  if (job.feed === 'csv')
    return csvFeed({
      files: job.files,
      symbols: job.symbols,
      adjusted: job.adjusted,
      skipBadRows: job.skipBadRows,
      parallel: load.parallel,
    });
  const create = Object.hasOwn(venues, job.feed) ? venues[job.feed] : undefined;
  if (!create)
    throw new ValidationError(
      `the ${job.feed} feed is not available here`,
      [
        {
          path: 'feed',
          message: `not wired (here: csv, sim${Object.keys(venues)
            .map((kind) => `, ${kind}`)
            .join('')})`,
        },
      ],
      {
        fix: 'Use csv or sim, or a venue through `signet backtest`, which connects it from signet.yaml.',
      },
    );
  return create(job.symbols);
}

/** Validates the job and loads its bars (only symbols with bars in the window). */
export async function loadBacktestBars(
  input: BacktestJob,
  venues?: VenueFeeds,
  load: LoadOptions = {},
): Promise<{ job: z.output<typeof backtestJobSchema>; series: BarSeries[]; skipped: SkippedRow[] }> {
  const parsed = backtestJobSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    throw new ValidationError(
      `invalid backtest: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      issues,
      { fix: 'Correct the named option (see `signet backtest --help`).' },
    );
  }
  const job = parsed.data;
  const loaded = await feedFor(job, venues, load).load({ from: job.from, to: job.to });
  const series = loaded.series.filter((each) => each.length > 0);
  if (series.length === 0)
    throw new ValidationError(
      `the ${job.feed} feed has no bars for this range`,
      [{ path: 'from', message: 'no bars' }],
      {
        fix: 'Check the symbols and --from/--to (and, for mt5, that the EA posted bars of broker.mt5.timeframe).',
      },
    );
  return { job, series, skipped: loaded.skipped };
}

/** A connection for the log: one of the store's pool (`store.pool.connect()`), released after. */
export interface LogConnection extends CopyConnection {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  release(destroy?: boolean): void;
}

/**
 * Loads the bars, runs the backtest, and (given a database) writes the complete log to the
 * bus in one transaction, with one COPY (copyMessageLog). The connection opens while the bars
 * load and the run simulates; nothing is written before the run has ended, so data problems
 * still surface before the database is written to.
 */
export async function runBacktestJob(
  input: BacktestJob,
  options: {
    /** Opens the database only when the log is to be written. */
    database?: () => Promise<{ pool: { connect(): Promise<LogConnection> } }>;
    onProgress?: (done: number, total: number) => void;
    /** The venues' feeds (`--feed <venue>`). */
    venues?: VenueFeeds;
    /** Wall-clock suffix for the log's run id (a stored run must not reuse another's ids). */
    now?: () => number;
  } = {},
): Promise<BacktestJobResult> {
  let broken = false;
  // A connection that dies between two statements emits 'error'; unheard, it would crash.
  const onError = () => {
    broken = true;
  };
  const connecting = options
    .database?.()
    .then((database) => database.pool.connect())
    .then((connection) => {
      connection.on('error', onError);
      return connection;
    });
  // Awaited below (its error surfaces there); the connection is released on every path.
  connecting?.catch(() => undefined);
  let failed = true;
  try {
    const result = await simulateAndLog(input, options, connecting);
    failed = false;
    return result;
  } finally {
    if (connecting) {
      const connection = await connecting.catch(() => undefined);
      connection?.off('error', onError);
      // After a failure the connection is closed, not handed back to the pool mid-transaction.
      connection?.release(failed || broken);
    }
  }
}

async function simulateAndLog(
  input: BacktestJob,
  options: Parameters<typeof runBacktestJob>[1] & object,
  connecting: Promise<LogConnection> | undefined,
): Promise<BacktestJobResult> {
  // A second parsing thread only when nothing else needs the machine meanwhile: while a database
  // opens beside the load, its start (the embedded server's processes on a 2-core machine) and
  // its round trips lost more than the thread gained (100-file durable run 1.78 → 1.88 s).
  const { job, series, skipped } = await loadBacktestBars(input, options.venues, {
    parallel: connecting === undefined ? undefined : false,
  });
  const strategy = createStrategy(job.strategy, job.parameters, { short: job.settings.short === true });
  let runId = job.runId;
  if (!runId && connecting) {
    runId = `bt-${fingerprint(series, strategy, job.settings)}-${(options.now ?? Date.now)().toString(36)}`;
  }
  const run = runBacktest({
    series,
    strategy,
    settings: job.settings,
    runId,
    onProgress: options.onProgress,
    // Without a database the log is written nowhere: it is emitted, not kept.
    keepLog: connecting !== undefined,
  });
  let logged = 0;
  if (connecting) {
    const connection = await connecting;
    await connection.query('BEGIN');
    try {
      const ids = await copyMessageLog(connection, run.messages);
      await connection.query('COMMIT');
      logged = ids.size;
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  return { run, skipped, logged };
}
