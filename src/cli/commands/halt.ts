import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { writeJournalEntry } from '../../journal/index.ts';
import {
  checkInvariants,
  haltFileFor,
  haltLevelNames,
  raiseHalt,
  readHalt,
  readJournalEntryText,
  resumeTrading,
  statusReport,
  watchdogBroker,
  watchdogView,
} from '../../watchdog/index.ts';
import type { CliContext } from '../context.ts';

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

const age = (ms: number) =>
  ms < 120_000
    ? `${(ms / 1000).toFixed(1)}s`
    : ms < 7_200_000
      ? `${(ms / 60_000).toFixed(1)}m`
      : `${(ms / 3_600_000).toFixed(1)}h`;

export function registerHaltCommands(program: Command, context: CliContext): void {
  program
    .command('halt')
    .description('raise the halt level (1 warn, 2 no new entries, 3 reduce only, 4 flatten and lock)')
    .requiredOption('--level <n>', 'halt level 1-4')
    .requiredOption('--reason <text>', 'why, in words the next operator understands')
    .option('--json', 'machine-readable output')
    .action(async (options: { level: string; reason: string; json?: boolean }) => {
      const level = Number(options.level);
      if (!Number.isInteger(level) || level < 1 || level > 4)
        throw new Error(`--level "${options.level}" must be 1, 2, 3 or 4`);
      if (options.reason.trim().length < 3) throw new Error('--reason must say why (at least 3 characters)');
      const config = context.config();
      const store = await context.store();
      const haltStore = { db: store, haltFile: haltFileFor(config.dataPath) };
      const current = await readHalt(haltStore).catch(() => null);
      if (current && current.level >= level) {
        if (options.json) context.json({ raised: false, state: current });
        else context.out(`already at level ${current.level} (${current.reason}); the level was not lowered`);
        return;
      }
      const written = await writeJournalEntry(
        {
          ts: new Date(),
          agent: 'operator',
          outcome: 'halted',
          decidedBy: 'operator',
          notes: [`Operator raised the halt to level ${level} (${haltLevelNames[level]}): ${options.reason}`],
        },
        { db: store, root: config.paths.contextDir },
      );
      const result = await raiseHalt(haltStore, {
        level,
        reason: options.reason,
        setBy: 'operator',
        journalPath: written.path,
      });
      if (options.json) {
        context.json(result);
        return;
      }
      context.out(
        result.raised
          ? `halt level ${result.state.level} (${haltLevelNames[result.state.level]}): ${result.state.reason}`
          : `already at level ${result.state.level} (${result.state.reason}); the level was not lowered`,
      );
      context.out(`journal: ${written.path}`);
    });

  program
    .command('resume')
    .description('lower the halt to 0 (trading): needs the operator token and what you checked')
    .option('--ack <text>', 'what you checked before resuming (required)')
    .option('--token-file <file>', 'file holding the operator token')
    .option('--token-stdin', 'read the operator token from standard input')
    .action(async (options: { ack?: string; tokenFile?: string; tokenStdin?: boolean }) => {
      const config = context.config();
      const store = await context.store();
      const haltStore = { db: store, haltFile: haltFileFor(config.dataPath) };
      const current = await readHalt(haltStore);
      // The operator reads what was halted, and why, before resuming.
      context.out(
        `current halt level ${current.level} (${haltLevelNames[current.level] ?? '?'}), set by ${current.setBy} at ${current.setAt || 'n/a'}: ${current.reason || 'no reason'}`,
      );
      if (current.journalPath)
        context.out(await readJournalEntryText(config.paths.contextDir, current.journalPath));
      let token: string | undefined;
      if (options.tokenFile) token = readFileSync(options.tokenFile, 'utf8').trim();
      else if (options.tokenStdin) token = (await readAll(process.stdin)).trim();
      const operator = process.env.USER ?? process.env.LOGNAME ?? 'operator';
      const { previous } = await resumeTrading(haltStore, config.secrets.operatorToken, {
        token,
        acknowledgement: options.ack,
        operator,
      });
      await writeJournalEntry(
        {
          ts: new Date(),
          agent: 'operator',
          outcome: 'resumed',
          decidedBy: 'operator',
          notes: [
            `${operator} resumed trading from level ${previous.level} (${previous.reason}).`,
            `Acknowledgement: ${options.ack?.trim()}`,
          ],
        },
        { db: store, root: config.paths.contextDir },
      );
      context.out(`resumed: halt level 0 (was ${previous.level}); recorded on the bus and in the journal`);
    });

  program
    .command('status')
    .description('halt level, heartbeat ages against their intervals, the account')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const config = context.config();
      const store = await context.store();
      const report = await statusReport(
        { db: store, haltFile: haltFileFor(config.dataPath) },
        config.broker.kind,
      );
      // The watchdog's invariants, measured now (at the broker too, when it is a real one).
      const invariants = await checkInvariants({
        config,
        db: store,
        broker: watchdogBroker(watchdogView(config), context.logger(), store),
        databaseDownSince: null,
        now: Date.now(),
        highWaterMark: report.account?.highWaterMark ?? 0,
      }).catch((error: Error) => ({ results: [], error: error.message }));
      if (options.json) {
        context.json({
          ...report,
          invariants: invariants.results,
          invariantsError: 'error' in invariants ? invariants.error : null,
        });
        return;
      }
      const halt = report.halt;
      context.out(
        halt
          ? `halt: level ${halt.level} (${haltLevelNames[halt.level]})${halt.reason ? ` — ${halt.reason}` : ''}`
          : `halt: UNREADABLE (${report.haltError}) — trading is blocked`,
      );
      context.out('heartbeats:');
      if (report.heartbeats.length === 0) context.out('  none yet');
      for (const beat of report.heartbeats) {
        context.out(
          `  ${beat.stale ? 'STALE' : 'ok   '} ${beat.name.padEnd(18)} age ${age(beat.ageMs).padStart(7)} / expected every ${age(beat.expectedIntervalMs)}`,
        );
      }
      context.out('invariants:');
      if ('error' in invariants) context.out(`  could not be measured: ${invariants.error}`);
      for (const result of invariants.results) {
        const verdict = result.ok ? 'ok   ' : `FAIL→L${result.level}`;
        context.out(
          `  ${verdict} ${result.name.padEnd(28)} ${String(result.value).padStart(14)}  (threshold ${result.threshold})`,
        );
      }
      if (report.account)
        context.out(
          `account: equity ${report.account.equity.toFixed(2)}, cash ${report.account.cash.toFixed(2)}, high-water ${report.account.highWaterMark.toFixed(2)}, positions ${report.account.positions}`,
        );
    });
}
