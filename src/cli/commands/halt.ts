import type { Command } from 'commander';
import { haltLevelNames } from '../../watchdog/index.ts';
import type { CliContext } from '../context.ts';
import { operatorService } from '../operator.ts';
import { readTokenInput } from './token-input.ts';

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
      const operator = await operatorService(context);
      const result = await operator.halt(level, options.reason, 'cli');
      // No journal entry: the level already held, and nothing was done.
      if (result.journalPath === null) {
        if (options.json) context.json({ raised: false, state: result.state });
        else
          context.out(
            `already at level ${result.state.level} (${result.state.reason}); the level was not lowered`,
          );
        return;
      }
      if (options.json) {
        const { state, raised, databaseWritten } = result;
        context.json({ state, raised, databaseWritten });
        return;
      }
      context.out(
        result.raised
          ? `halt level ${result.state.level} (${haltLevelNames[result.state.level]}): ${result.state.reason}`
          : `already at level ${result.state.level} (${result.state.reason}); the level was not lowered`,
      );
      context.out(`journal: ${result.journalPath}`);
    });

  program
    .command('resume')
    .description(
      'lower the halt to 0 (trading): needs the operator token set up for this installation, the level you saw and what you checked',
    )
    .option('--from-level <n>', 'the halt level you saw (signet status); refused if it changed since')
    .option('--ack <text>', 'what you checked before resuming (required)')
    .option('--token-file <file>', 'file holding the operator token')
    .option('--token-stdin', 'read the operator token from standard input')
    .action(
      async (options: { fromLevel?: string; ack?: string; tokenFile?: string; tokenStdin?: boolean }) => {
        const operator = await operatorService(context);
        const current = await operator.currentHalt();
        // The operator reads what was halted, and why, before resuming.
        context.out(
          `current halt level ${current.level} (${haltLevelNames[current.level] ?? '?'}), set by ${current.setBy} at ${current.setAt || 'n/a'}: ${current.reason || 'no reason'}`,
        );
        if (current.journalPath) context.out(await operator.journalText(current.journalPath));
        const fromLevel = options.fromLevel === undefined ? undefined : Number(options.fromLevel);
        // The token is checked against the credential stored at set-up, never this shell's environment.
        const token = await readTokenInput({ file: options.tokenFile, stdin: options.tokenStdin });
        const { previous, operator: label } = await operator.resume({
          token,
          acknowledgement: options.ack,
          fromLevel,
          by: 'cli',
        });
        context.out(
          `resumed by ${label}: halt level 0 (was ${previous.level}); recorded on the bus and in the journal`,
        );
      },
    );

  program
    .command('status')
    .description('halt level, heartbeat ages against their intervals, the account')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const config = context.config();
      const operator = await operatorService(context);
      const { halt, haltError, heartbeats, account } = await operator.status();
      // The watchdog's invariants, measured now (at the broker too, when it is a real one). The
      // venues' client libraries load here, not for `halt` or `resume` (this module registers
      // all three): a halt's process 418 ms where it was 665, and a venue package that cannot
      // load stops neither a halt nor this status's halt level (its invariants report why).
      const invariants = await import('../../watchdog/index.ts')
        .then(async ({ watchdogBroker, watchdogView }) =>
          operator.invariants(watchdogBroker(watchdogView(config), context.logger(), await context.store())),
        )
        .catch((error: Error) => ({ results: [], error: error.message }));
      if (options.json) {
        context.json({
          halt,
          haltError,
          heartbeats,
          account,
          invariants: invariants.results,
          invariantsError: 'error' in invariants ? invariants.error : null,
        });
        return;
      }
      context.out(
        halt
          ? `halt: level ${halt.level} (${haltLevelNames[halt.level]})${halt.reason ? ` — ${halt.reason}` : ''}`
          : `halt: UNREADABLE (${haltError}) — trading is blocked`,
      );
      context.out('heartbeats:');
      if (heartbeats.length === 0) context.out('  none yet');
      for (const beat of heartbeats) {
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
      if (account)
        context.out(
          `account: equity ${account.equity.toFixed(2)}, cash ${account.cash.toFixed(2)}, high-water ${account.highWaterMark.toFixed(2)}, positions ${account.positions}`,
        );
    });
}
