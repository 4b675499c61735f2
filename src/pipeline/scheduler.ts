import { Cron } from 'croner';
import { beat } from '../heartbeats/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { closedReason } from './calendar.ts';

export interface ScheduledJob {
  /** Heartbeat name is `job:<name>`. */
  name: string;
  /** Cron expression (seconds optional) in the scheduler's time zone, or `every:<ms>` for a fixed interval. */
  cron: string;
  /** Skip days the exchange is closed (weekends, holidays). */
  tradingDaysOnly: boolean;
  run(at: Date): Promise<void>;
}

export interface SchedulerOptions {
  jobs: ScheduledJob[];
  timezone: string;
  db: Queryable;
  logger: Logger;
}

export interface JobStatus {
  name: string;
  cron: string;
  nextRunAt: string | null;
  /** The longest gap between two runs in the coming weeks: what "late" is measured against. */
  expectedIntervalMs: number;
  runs: number;
  failures: number;
}

function everyMs(cron: string): number | null {
  const match = /^every:(\d+)$/.exec(cron);
  return match ? Number(match[1]) : null;
}

/** The longest gap between consecutive runs over the next `count` runs (weekends included). */
export function expectedInterval(cron: string, timezone: string, from = new Date(), count = 200): number {
  const every = everyMs(cron);
  if (every !== null) return every;
  const runs = new Cron(cron, { timezone }).nextRuns(count, from);
  let longest = 0;
  for (let index = 1; index < runs.length; index += 1) {
    longest = Math.max(longest, runs[index]!.getTime() - runs[index - 1]!.getTime());
  }
  return longest;
}

/**
 * Runs jobs on cron expressions in the exchange's time zone (or at fixed intervals). Each run
 * writes the job's heartbeat with its expected interval and next run, so a job that silently
 * stops running (a timer lost, a process wedged) shows as stale to the watchdog. Runs of one
 * job never overlap: one still going when the next is due makes that next one skip.
 */
export function startScheduler(options: SchedulerOptions): { stop(): void; status(): JobStatus[] } {
  const crons: Cron[] = [];
  const timers: NodeJS.Timeout[] = [];
  const statuses = new Map<string, JobStatus>();
  for (const job of options.jobs) {
    const expectedIntervalMs = expectedInterval(job.cron, options.timezone);
    const status: JobStatus = {
      name: job.name,
      cron: job.cron,
      nextRunAt: null,
      expectedIntervalMs,
      runs: 0,
      failures: 0,
    };
    statuses.set(job.name, status);
    let busy = false;
    const fire = async (nextRun: Date | null) => {
      if (busy) return;
      busy = true;
      const at = new Date();
      status.nextRunAt = nextRun?.toISOString() ?? null;
      const closed = job.tradingDaysOnly ? closedReason(at.getTime(), options.timezone) : null;
      await beat(options.db, `job:${job.name}`, 'job', expectedIntervalMs, {
        nextRunAt: status.nextRunAt,
        skipped: closed,
      }).catch((error: Error) =>
        options.logger.warn({ job: job.name, err: error.message }, 'job heartbeat not recorded'),
      );
      try {
        if (closed) {
          options.logger.debug({ job: job.name, closed }, 'exchange closed; job skipped');
          return;
        }
        await job.run(at);
        status.runs += 1;
      } catch (error) {
        status.failures += 1;
        options.logger.error({ job: job.name, err: (error as Error).message }, 'scheduled job failed');
      } finally {
        busy = false;
      }
    };
    const every = everyMs(job.cron);
    if (every !== null) {
      timers.push(setInterval(() => void fire(new Date(Date.now() + every)), every));
      status.nextRunAt = new Date(Date.now() + every).toISOString();
      continue;
    }
    const cron = new Cron(
      job.cron,
      { timezone: options.timezone, name: `signet:${job.name}` },
      (self: Cron) => fire(self.nextRun()),
    );
    status.nextRunAt = cron.nextRun()?.toISOString() ?? null;
    crons.push(cron);
  }
  return {
    stop: () => {
      for (const cron of crons) cron.stop();
      for (const timer of timers) clearInterval(timer);
    },
    status: () => [...statuses.values()].map((status) => ({ ...status })),
  };
}
