import { pathToFileURL } from 'node:url';
import { AgentDesk, runDecisionCycle } from '../src/pipeline/index.ts';
import { deps } from './pipeline-cycle.ts';
import {
  type CycleTail,
  openBenchParts,
  overheadPerCandidate,
  overheadRows,
  type PhaseResult,
} from './pipeline-phase.ts';
import { type BenchResult, percentile } from './types.ts';

/** What the tail row says beside its value: the median cycle's wait, both walls, the other threads. */
function tailNote(steady: CycleTail, executed: CycleTail): string {
  const ms = (value: number) => value.toFixed(2);
  return `runnable but not running (Linux schedstat), a cycle of 5 candidates: the slowest cycles took ${ms(steady.slowestWallMs)} ms, the median ${ms(steady.medianWallMs)} ms, which waited ${ms(steady.medianWaitMs)}; every candidate executed: ${ms(executed.slowestWaitMs)} of ${ms(executed.slowestWallMs)} against ${ms(executed.medianWaitMs)} of ${ms(executed.medianWallMs)}. This process's other threads (V8's compiler and collector, the journal placer) took ${ms(steady.otherThreadsMs)} ms of CPU a candidate (${ms(executed.otherThreadsMs)} executed), on the cores PostgreSQL uses too: a wait near 0 on a machine with cores to spare`;
}

/**
 * What the CPU row says beside its value. The main thread runs a candidate's agents, checks and
 * statements one after another, so its CPU a candidate is a floor under a candidate's mean wall
 * time; the cluster's is on the path wherever the cycle awaits a statement. Their sum against the
 * p99 goal says how much room the slowest cycles have on this machine before any wait for a core.
 */
function pathCpuNote(steady: PhaseResult, executed: PhaseResult): string {
  const ms = (value: number) => value.toFixed(2);
  const sum = (phase: PhaseResult) => phase.cpu.mainMs + phase.cpu.databaseMs;
  return `the main thread ${ms(steady.cpu.mainMs)} ms (a floor under the mean wall time: it runs a candidate's agents, checks and statements one after another) + the cluster ${ms(steady.cpu.databaseMs)} ms (on the path where the cycle awaits a statement); every candidate executed: ${ms(executed.cpu.mainMs)} + ${ms(executed.cpu.databaseMs)} = ${ms(sum(executed))} ms. The p99 goal (5 ms) is ${(5 / sum(steady)).toFixed(2)}× the first sum, ${(5 / sum(executed)).toFixed(2)}× the second: the room the slowest cycles have for collections, compiles and waits for a core`;
}

/**
 * Cycle overhead per candidate with instant scripted answers (everything but LLM time: agents,
 * router bookkeeping, bus messages, journal files and rows, the Risk Gate's reads), one candidate
 * at a time and at the configured parallelism; and cycle latency with a fake LLM answering in
 * 200 ms, against the cycle's critical path (the stages that must follow one another).
 */
export async function runPipelineBench(): Promise<BenchResult[]> {
  // The pool's idle timeout shortened (30 s by default) so that the phase whose cycles come a bar
  // apart can leave it longer unused than that in seconds, not half an hour.
  const idleTimeoutMs = 150;
  const opened = await openBenchParts('signet-bench-pipeline-', idleTimeoutMs);
  const { parts, parallelism: parallel } = opened;
  const { session, store, bus, universe, journalRoot } = parts;
  try {
    const one = await overheadPerCandidate(parts, { parallelism: 1, rounds: 60 });
    const many = await overheadPerCandidate(parts, { parallelism: parallel, rounds: 60 });
    // A brain runs for days: the same one-at-a-time figure again once V8 has compiled the cycle's
    // code (the first hundred or so cycles after a start still run in the lower tiers).
    const longRunning = await overheadPerCandidate(parts, { parallelism: 1, rounds: 200 });
    // The same, every candidate through the executor (an order intent and its submission each).
    // 150 rounds: 760 positions in the day, within the CEO skill's most (1000).
    const trading = await overheadPerCandidate(parts, { parallelism: 1, rounds: 150, executed: true });
    // Live cycles come a bar apart, most often further apart than the pool's idle timeout: the
    // configured parallelism again, each cycle after the database went unused for longer.
    const barApart = await overheadPerCandidate(parts, {
      parallelism: parallel,
      rounds: 40,
      idleBeforeMs: 2 * idleTimeoutMs,
    });
    const sequential = one.perCandidate;
    const configured = many.perCandidate;

    const delayMs = 200;
    const desk = new AgentDesk();
    const firstOfDay: number[] = [];
    const steady: number[] = [];
    let firstStages = 0;
    for (let round = 0; round < 9; round += 1) {
      const calls: string[] = [];
      const slow = {
        ...(await deps(session, store, bus, [universe[0]!], delayMs, journalRoot, 1, calls)),
        desk,
      };
      const started = performance.now();
      await runDecisionCycle(slow, `bench-latency-${round}`, [universe[0]!]);
      const elapsed = performance.now() - started;
      if (round === 0) {
        firstOfDay.push(elapsed);
        // Macro Officer → CEO → Regime → Strategist → the signers (in parallel): one stage each.
        const signers = calls.filter((skill) => skill === 'fact-checker' || skill === 'double-checker');
        firstStages = calls.length - signers.length + (signers.length > 0 ? 1 : 0);
      } else steady.push(elapsed);
    }
    steady.sort((a, b) => a - b);
    const criticalPath = 3 * delayMs;
    const median = percentile(steady, 0.5);
    const configuredNote = `5 candidates at pipeline.parallelism ${parallel} (the default), 60 cycles; ${many.outcomes}`;
    return [
      ...overheadRows(
        'one at a time',
        sequential,
        `5 candidates at parallelism 1, 60 cycles after 2 warm-up cycles; ${one.outcomes} (a working entry)`,
      ),
      ...overheadRows('configured parallelism', configured, configuredNote),
      ...overheadRows(
        'one at a time, steady state',
        longRunning.perCandidate,
        `200 cycles after the 126 before them (a long-running brain), parallelism 1; ${longRunning.outcomes}; node CPU ${longRunning.cpu.nodeMs.toFixed(2)} ms a candidate`,
      ),
      {
        name: "main thread's busy share of a cycle, one at a time, steady state",
        value: Number((100 * longRunning.mainBusy).toFixed(0)),
        unit: '%',
        notes: `event loop utilization over the 200 cycles (every candidate executed: ${(100 * trading.mainBusy).toFixed(0)} %): near 100 the cycle is bound by this thread's CPU (and the CPUs it shares with PostgreSQL and the journal's thread), lower by waits on the database and the disk`,
      },
      {
        name: "main thread's wait for a CPU in the slowest 2 % of cycles, one at a time, steady state",
        value: Number(longRunning.tail.slowestWaitMs.toFixed(2)),
        unit: 'ms',
        notes: tailNote(longRunning.tail, trading.tail),
      },
      ...overheadRows(
        'one at a time, steady state, every candidate executed',
        trading.perCandidate,
        `150 cycles after the 328 before them, new symbols each cycle; ${trading.outcomes}; node CPU ${trading.cpu.nodeMs.toFixed(2)} ms, ${trading.cpu.statements.toFixed(1)} statements a candidate`,
      ),
      {
        name: "CPU a candidate on the cycle's path, one at a time, steady state",
        value: Number((longRunning.cpu.mainMs + longRunning.cpu.databaseMs).toFixed(2)),
        unit: 'ms',
        notes: pathCpuNote(longRunning, trading),
      },
      ...overheadRows(
        'configured parallelism, cycles a bar apart',
        barApart.perCandidate,
        `40 cycles, each after ${2 * idleTimeoutMs} ms with the database unused: longer than the pool's idle timeout (database.idleTimeoutMs, ${idleTimeoutMs} ms here, 30 s by default; a live bar comes every minute or more); ${barApart.outcomes}; ${barApart.connectionsOpened} connections opened during them`,
      ),
      {
        name: 'node CPU per candidate, one at a time',
        value: Number(one.cpu.nodeMs.toFixed(2)),
        unit: 'ms',
        notes:
          'user + system time of this process (all its threads) during the 60 cycles: steadier than the wall clock',
      },
      {
        name: 'PostgreSQL CPU per candidate, one at a time',
        value: Number(one.cpu.databaseMs.toFixed(2)),
        unit: 'ms',
        notes:
          "the embedded cluster's postmaster and backends during the same cycles (Linux; 10 ms ticks, summed)",
      },
      {
        name: 'statements per candidate, one at a time',
        value: Number(one.cpu.statements.toFixed(2)),
        unit: 'statements',
        notes:
          'sent through the store during the 60 cycles (bus rows, LLM ledger rows, notifications, journal rows, reads; BEGIN/COMMIT not counted)',
      },
      {
        name: 'cycle latency, LLM 200 ms (median)',
        value: Number(median.toFixed(1)),
        unit: 'ms',
        notes: `critical path ${criticalPath} ms (regime → strategist → signers); 5 calls in sequence would be ${5 * delayMs} ms`,
      },
      {
        name: 'cycle latency / critical path',
        value: Number((median / criticalPath).toFixed(3)),
        unit: '×',
        target: '≤ 1.15',
      },
      {
        name: "cycle latency / critical path, the day's first cycle",
        value: Number((firstOfDay[0]! / (firstStages * delayMs)).toFixed(3)),
        unit: '×',
        target: '≤ 1.15',
        notes: `${firstOfDay[0]!.toFixed(0)} ms; ${firstStages} stages (Macro Officer → CEO → Regime → Strategist → signers)`,
      },
    ];
  } finally {
    await opened.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runPipelineBench());
}
