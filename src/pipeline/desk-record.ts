import { z } from 'zod';
import {
  type AgentOutcome,
  type CeoBudget,
  ceoBudgetSchema,
  type DayTally,
  type MacroView,
  macroViewSchema,
} from '../agents/index.ts';
import { topics } from '../bus/index.ts';
import type { Queryable } from '../store/index.ts';
import { pipelineSql } from './sql.ts';

/**
 * The durable side of the desk (the Macro Officer's view and the CEO's day budget): what a new
 * desk reads back after a restart, so the day's CEO is not asked again and the day's new
 * positions are counted from what was entered, not from 0. Nothing is written here: the day's
 * `ceo.directive` and `macro.view` messages are the record (each carries the desk's `key` in its
 * payload), and the new positions are the entry orders of the ledger.
 */
export interface DeskRecord {
  /** Who this desk is (market mode: the broker's ledger name; the sim: its run): payload `desk`. */
  readonly key: string;
  /** The day's kept CEO directive (a successful one), or null when none was taken today. */
  directive(day: string): Promise<RecordedDirective | null>;
  /** The day's latest successful Macro Officer view, or null. */
  macroView(day: string): Promise<RecordedMacroView | null>;
  /** Entry orders entered on `day` (by the desk's clock) and not refused: the day's used slots. */
  newPositions(day: string): Promise<number>;
  /**
   * The outcomes of this desk's last day before `day` (within ten days) with cycles, counted from
   * their `cycle.completed` messages as the desk counts them: the CEO's "yesterday" after a restart.
   */
  yesterday(day: string): Promise<DayTally>;
}

/** Where the Macro Officer's index bars came from: the venue's own load, the traded bars, or none. */
export const macroSources = ['venue-feed', 'universe', 'synthetic'] as const;
export type MacroSource = (typeof macroSources)[number];

export interface RecordedDirective {
  messageId: number;
  cycleId: string;
  budget: CeoBudget;
}

export interface RecordedMacroView {
  outcome: AgentOutcome<MacroView>;
  cycleId: string;
  index: string;
  synthetic: boolean;
  source: MacroSource | null;
}

export interface DeskRecordOptions {
  key: string;
  /** The ledger's broker name the desk's orders are entered under. */
  brokerName: string;
  /** Only orders of cycles whose id starts with this (a sim run); default: every cycle of the broker. */
  cyclePrefix?: string;
}

const completedSchema = z.object({
  outcomes: z.array(z.object({ outcome: z.string() }).passthrough()).default([]),
});

/** How far back the CEO's "yesterday" is looked for (a long weekend, a holiday, a few days off). */
const yesterdayLookbackDays = 10;

const skillRefSchema = z.object({ name: z.string(), version: z.string() });

const directivePayloadSchema = z.object({ applied: ceoBudgetSchema });

const macroPayloadSchema = z.object({
  decidedBy: z.enum(['llm', 'fallback']),
  fallbackReason: z.string().nullable().default(null),
  route: z.string().nullable().default(null),
  model: z.string().nullable().default(null),
  skill: skillRefSchema,
  answer: macroViewSchema,
  index: z.string(),
  synthetic: z.boolean(),
  source: z.enum(macroSources).nullable().default(null),
  computedInCycle: z.string(),
});

const countSchema = z.object({ n: z.number().int().min(0) });

/** The day's bounds as timestamps (the trading day is the UTC date, see `tradingDay`). */
function dayBounds(day: string): [Date, Date] {
  const from = Date.parse(`${day}T00:00:00.000Z`);
  if (!Number.isFinite(from)) throw new Error(`not a trading day: ${day} (expected YYYY-MM-DD)`);
  return [new Date(from), new Date(from + 86_400_000)];
}

/** A payload read back that is not what this desk wrote is an error: the day state is unknown. */
function parsed<T>(schema: z.ZodType<T>, payload: unknown, what: string, id: number): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `${what} message ${id} is not readable: ${issue?.path.join('.') || '(payload)'} ${issue?.message}`,
    );
  }
  return result.data;
}

export function deskRecordFor(db: Queryable, options: DeskRecordOptions): DeskRecord {
  const dayMessage = async (topic: string, day: string) => {
    const [from, to] = dayBounds(day);
    const found = await db.query<{ id: string | number; cycle_id: string | null; payload: unknown }>(
      pipelineSql.desk.dayMessage(),
      [topic, from, to, options.key, day],
    );
    const row = found.rows[0];
    return row ? { id: Number(row.id), cycleId: row.cycle_id ?? '', payload: row.payload } : null;
  };
  return {
    key: options.key,
    async directive(day) {
      const row = await dayMessage(topics.ceoDirective, day);
      if (!row) return null;
      const payload = parsed(directivePayloadSchema, row.payload, topics.ceoDirective, row.id);
      return { messageId: row.id, cycleId: row.cycleId, budget: payload.applied };
    },
    async macroView(day) {
      const row = await dayMessage(topics.macroView, day);
      if (!row) return null;
      const payload = parsed(macroPayloadSchema, row.payload, topics.macroView, row.id);
      return {
        outcome: {
          ok: true,
          value: payload.answer,
          decidedBy: payload.decidedBy,
          fallbackReason: payload.fallbackReason,
          route: payload.route,
          model: payload.model,
          skill: payload.skill,
        },
        cycleId: payload.computedInCycle,
        index: payload.index,
        synthetic: payload.synthetic,
        source: payload.source,
      };
    },
    async newPositions(day) {
      const [from, to] = dayBounds(day);
      const counted = await db.query(pipelineSql.desk.newPositions(), [
        options.brokerName,
        topics.orderIntent,
        from,
        to,
        options.cyclePrefix ?? null,
      ]);
      return parsed(countSchema, counted.rows[0], 'new positions count', 0).n;
    },
    async yesterday(day) {
      const [today] = dayBounds(day);
      const from = new Date(today.getTime() - yesterdayLookbackDays * 86_400_000);
      const found = await db.query<{ ts: Date; payload: unknown }>(pipelineSql.desk.completedCycles(), [
        topics.cycleCompleted,
        from,
        today,
        topics.ceoBudget,
        options.key,
      ]);
      const last = found.rows.at(-1);
      if (!last) return emptyTally(null);
      const lastDay = new Date(last.ts).toISOString().slice(0, 10);
      const tally = emptyTally(lastDay);
      for (const row of found.rows) {
        if (new Date(row.ts).toISOString().slice(0, 10) !== lastDay) continue;
        for (const { outcome } of parsed(completedSchema, row.payload, topics.cycleCompleted, 0).outcomes) {
          // As AgentDesk.record counts a cycle's reports.
          tally.decisions += 1;
          if (outcome === 'executed') tally.executed += 1;
          else if (outcome === 'vetoed') tally.vetoed += 1;
          else if (outcome === 'no_trade') tally.noTrade += 1;
          else if (outcome === 'error' || outcome === 'rejected') tally.errors += 1;
        }
      }
      return tally;
    },
  };
}

function emptyTally(day: string | null): DayTally {
  return { day, decisions: 0, executed: 0, vetoed: 0, errors: 0, noTrade: 0 };
}
