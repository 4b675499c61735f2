import { readdirSync, readFileSync } from 'node:fs';

/**
 * A `/proc/…/stat` line's parent pid and user + system time in ms (10 ms clock ticks). The
 * fields are read after the command name, which may hold spaces: utime and stime are fields 14
 * and 15 of the line, 12 and 13 after the name; the parent is field 4.
 */
function readStat(file: string): { parent: string; ms: number } {
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { parent: fields[1]!, ms: (Number(fields[11]) + Number(fields[12])) * 10 };
}

/** A thread's `/proc/…/schedstat`: time on a CPU and time runnable but waiting for one, in ms (ns precision). */
function readSchedule(file: string): { runMs: number; waitMs: number } {
  const [run, wait] = readFileSync(file, 'utf8').split(' ');
  return { runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
}

/**
 * The main thread's CPU time in ms: its time on a CPU from `/proc/…/schedstat` (ns), or where the
 * kernel gives no schedstat, its user + system time from `/proc/…/stat` (10 ms ticks); NaN off
 * Linux. Unlike process.cpuUsage() it leaves out the journal placer's worker thread, and unlike
 * the event loop's active time it does not count waiting for a core on a busy machine. One file
 * read: a bracket around a cycle counts no other thread's read.
 */
export function mainThreadCpuMs(): number {
  const task = `/proc/self/task/${process.pid}`;
  try {
    return readSchedule(`${task}/schedstat`).runMs;
  } catch {
    try {
      return readStat(`${task}/stat`).ms;
    } catch {
      return Number.NaN;
    }
  }
}

/** Each cluster's postmaster pid, found once: later reads visit its children only. */
const postmasters = new Map<string, string>();

/**
 * CPU time in ms of the PostgreSQL cluster whose command line names `dataDir` (its postmaster
 * and backends; Linux /proc, 10 ms ticks; NaN elsewhere): the other half of a bar's cost. The
 * first read looks through every process for the postmaster; later reads take its children from
 * `/proc/<pid>/task/<pid>/children`: reading every process's files at every cycle was a twentieth
 * of what the measured cycles allocated, garbage the cycles then collected.
 */
export function clusterCpuMs(dataDir: string): number {
  const known = postmasters.get(dataDir);
  if (known !== undefined) {
    const total = familyCpuMs(known);
    if (!Number.isNaN(total)) return total;
    postmasters.delete(dataDir);
  }
  try {
    const processes: Array<{ pid: string; parent: string; ms: number }> = [];
    let postmaster = '';
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        processes.push({ pid, ...readStat(`/proc/${pid}/stat`) });
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (command.includes('postgres') && command.includes(dataDir)) postmaster = pid;
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    if (postmaster === '') return Number.NaN;
    postmasters.set(dataDir, postmaster);
    return processes
      .filter((each) => each.pid === postmaster || each.parent === postmaster)
      .reduce((sum, each) => sum + each.ms, 0);
  } catch {
    return Number.NaN;
  }
}

/** A process's CPU with its children's (the postmaster is single-threaded); NaN when it is gone. */
function familyCpuMs(pid: string): number {
  try {
    let sum = readStat(`/proc/${pid}/stat`).ms;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children === '' ? [] : children.split(' ')) {
      try {
        sum += readStat(`/proc/${child}/stat`).ms;
      } catch {
        // exited meanwhile
      }
    }
    return sum;
  } catch {
    return Number.NaN;
  }
}

/**
 * How this process's threads used the CPUs so far, in ms (Linux schedstat; NaN elsewhere): the
 * main thread's time runnable but waiting for a CPU (the run queue), and the other threads' time
 * on a CPU (V8's compiler and collector helpers, the journal placer, libuv's
 * pool). A wait that grows in a cycle's tail says the cycle was short of a core, not of work.
 */
export function threadSchedule(): { mainWaitMs: number; otherThreadsMs: number } {
  try {
    const main = readSchedule(`/proc/self/task/${process.pid}/schedstat`);
    let otherThreadsMs = 0;
    for (const thread of readdirSync('/proc/self/task')) {
      if (thread === String(process.pid)) continue;
      try {
        otherThreadsMs += readSchedule(`/proc/self/task/${thread}/schedstat`).runMs;
      } catch {
        // exited meanwhile
      }
    }
    return { mainWaitMs: main.waitMs, otherThreadsMs };
  } catch {
    return { mainWaitMs: Number.NaN, otherThreadsMs: Number.NaN };
  }
}
