import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentRuntime } from '../agents/index.ts';
import type { BusMessage, MessageInput } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { journalFolder } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import { exchangeDate } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { llmUse, regimeVersusMacro, round, signerPrecision, strategyStats, vetoedSetups } from './analyze.ts';
import { type BarSource, noBarSource, simBarSourceFromState } from './bar-source.ts';
import { compareChallengers } from './challengers.ts';
import { collectInputs } from './collect.ts';
import { deriveFindings } from './findings.ts';
import { buildRecords } from './records.ts';
import { reflectOnClosedTrades } from './reflections.ts';
import { renderReport } from './render.ts';
import type { OptimizerReport } from './report-types.ts';
import { optimizerSql } from './sql.ts';

export interface OptimizerDeps {
  store: Store;
  /** Where the report's announcement goes (a `Bus` satisfies it). */
  bus: { publish(input: MessageInput): Promise<BusMessage> };
  config: Config;
  logger: Logger;
  /** With a configured LLM route, closed-trade reflections come from the `reflection` skill. */
  agents?: AgentRuntime;
  /** Bars after decisions; default: the sim run stored in app_state ('sim.session'), else none. */
  bars?: BarSource;
  now?: () => Date;
}

export interface OptimizerWindow {
  /** First UTC day, YYYY-MM-DD. */
  from: string;
  /** Last UTC day, inclusive. */
  to: string;
}

export interface OptimizerResult {
  report: OptimizerReport;
  markdown: string;
  /** Absolute paths of the two files written. */
  files: { markdown: string; json: string };
  messageId: number;
}

export class OptimizerInputError extends SignetError {
  constructor(message: string) {
    super(message, {
      code: 'optimizer_window_invalid',
      fault: 'user',
      fix: 'give --date YYYY-MM-DD, or --from and --to as YYYY-MM-DD (UTC) with --from not after --to',
    });
  }
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const dayMs = 86_400_000;

function parseDay(day: string, name: string): Date {
  const date = new Date(`${day}T00:00:00Z`);
  if (!dayPattern.test(day) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day)
    throw new OptimizerInputError(`${name} "${day}" is not a day (YYYY-MM-DD)`);
  return date;
}

export function reportLabel(window: OptimizerWindow): string {
  return window.from === window.to ? window.from : `${window.from}_${window.to}`;
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temp, text, 'utf8');
  await rename(temp, file);
}

async function exists(folder: string): Promise<boolean> {
  try {
    return (await stat(folder)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The self-optimizer over a window of UTC days. Everything it learns from is read in one
 * read-only transaction (PostgreSQL refuses any write there); its only outputs are the report
 * files under `<contextDir>/reports/`, reflections appended to journal files, an
 * `optimizer.report` bus message, and the ledger rows of the reflection calls the LLM router
 * makes. It never changes config, skills or app_state: every suggestion waits for the operator.
 */
export async function runOptimizer(deps: OptimizerDeps, window: OptimizerWindow): Promise<OptimizerResult> {
  const from = parseDay(window.from, 'from');
  const last = parseDay(window.to, 'to');
  if (last < from) throw new OptimizerInputError(`from (${window.from}) is after to (${window.to})`);
  const to = new Date(last.getTime() + dayMs);
  const now = deps.now ?? (() => new Date());
  const label = reportLabel(window);
  const root = path.resolve(deps.config.paths.contextDir);
  const { inputs, storedBars } = await deps.store.transaction(async (tx) => {
    await tx.query(optimizerSql.readOnly());
    // A stored sim session describes the sim feed only: never replay a live run on sim bars.
    const sim = deps.config.feed.kind === 'sim' ? await simBarSourceFromState(tx) : undefined;
    return { inputs: await collectInputs(tx, from, to), storedBars: sim };
  });
  const notes: string[] = [];
  const bars = deps.bars ?? storedBars ?? noBarSource;
  if (!deps.bars && !storedBars)
    notes.push(
      deps.config.feed.kind === 'sim'
        ? 'No sim session is stored (app_state "sim.session") and no bar source was given: vetoed setups and benchmarks could not be replayed.'
        : `No bar source for the ${deps.config.feed.kind} feed was given: vetoed setups and benchmarks could not be replayed.`,
    );
  const records = buildRecords(inputs);
  const strategies = strategyStats(records);
  const setups = await vetoedSetups(records, bars);
  const journalPresent = await exists(path.join(root, journalFolder));
  if (!journalPresent)
    notes.push(
      `The journal folder ${path.join(root, journalFolder)} does not exist: no reflections could be appended.`,
    );
  const reflections = journalPresent
    ? await reflectOnClosedTrades(
        { root, bars, agents: deps.agents, timeframe: deps.config.pipeline.timeframe, now },
        inputs.exits,
        records,
      )
    : [];
  const missing = reflections.filter((note) => note.status === 'missing_file').length;
  if (missing > 0) notes.push(`${missing} exit journal row(s) point to a file that is missing.`);
  const decisions = records.decisions;
  const challengers = await compareChallengers(deps.store, from, to, bars);
  const body: Omit<OptimizerReport, 'findings' | 'experiments'> = {
    version: 1,
    label,
    window: { from: window.from, to: window.to },
    generatedAt: now().toISOString(),
    barSource: bars.describe,
    activity: {
      cycles: inputs.cycles.length,
      decisions: decisions.length,
      proposals: strategies.reduce((sum, strategy) => sum + strategy.proposals, 0),
      vetoed: strategies.reduce((sum, strategy) => sum + strategy.vetoed, 0),
      signed: strategies.reduce((sum, strategy) => sum + strategy.signed, 0),
      entryFills: records.fills.filter((fill) => fill.leg === 'entry').length,
      closedTrades: records.closed.length,
      pnl: round(
        records.closed.reduce((sum, trade) => sum + trade.pnl, 0),
        2,
      ),
    },
    strategies,
    vetoedSetups: setups,
    signers: signerPrecision(setups),
    regimeMacro: regimeVersusMacro(
      records,
      inputs.week ? buildRecords({ ...inputs, window: inputs.week, related: [], intents: [] }) : records,
    ),
    challengers,
    llm: llmUse(inputs, records),
    reflections,
    notes,
  };
  const report: OptimizerReport = { ...body, ...deriveFindings(body) };
  const markdown = renderReport(report);
  const folder = path.join(root, 'reports');
  await mkdir(folder, { recursive: true });
  const files = {
    markdown: path.join(folder, `${label}-self-optimizer.md`),
    json: path.join(folder, `${label}-self-optimizer.json`),
  };
  await writeAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomic(files.markdown, markdown);
  const message = await deps.bus.publish({
    fromAgent: 'optimizer',
    toAgent: 'operator',
    topic: topics.optimizerReport,
    payload: {
      label,
      window: report.window,
      markdown: path.relative(root, files.markdown).split(path.sep).join('/'),
      json: path.relative(root, files.json).split(path.sep).join('/'),
      activity: { ...report.activity },
      review: report.findings.filter((finding) => finding.level === 'review').map((finding) => finding.text),
      experiments: report.experiments.length,
      applied: false,
    },
  });
  deps.logger.info(
    { label, findings: report.findings.length, experiments: report.experiments.length },
    'self-optimizer report written',
  );
  return { report, markdown, files, messageId: message.id };
}

/**
 * The day a report without a date is about: the newest day with journal entries. In sim mode
 * the journal is stamped with bar time, so "today" on the wall clock would find nothing.
 */
export async function latestJournalDay(store: Pick<Store, 'query'>): Promise<string | null> {
  const result = await store.query<{ day: string | null }>(optimizerSql.latestJournalDay());
  return result.rows[0]?.day ?? null;
}

/**
 * The nightly job: the report of one day. Given a moment (the scheduler's `at`), the day is the
 * exchange's calendar date then (a 22:30 New York run is already the next day in UTC); the
 * window is that date's UTC day, which holds the whole US session.
 */
export function runNightlyOptimizer(deps: OptimizerDeps, date: Date | string): Promise<OptimizerResult> {
  const day =
    typeof date === 'string'
      ? date
      : new Date(exchangeDate(date.getTime(), deps.config.schedule.timezone)).toISOString().slice(0, 10);
  return runOptimizer(deps, { from: day, to: day });
}
