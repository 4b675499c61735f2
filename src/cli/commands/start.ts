import type { Command } from 'commander';
import { type SessionStatus, startBrain } from '../../runtime/index.ts';
import type { CliContext } from '../context.ts';

const money = (value: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatStatus(status: SessionStatus, deciders: string): string {
  const outcomes =
    status.outcomes.map((outcome) => `${outcome.symbol}:${outcome.outcome}`).join(' ') || 'no candidates';
  const halt = status.haltLevel === null ? 'UNREADABLE' : String(status.haltLevel);
  return `[${status.barTime} bar ${status.bar}] equity ${money(status.equity)} cash ${money(status.cash)} positions ${status.positions} halt ${halt} ${deciders} | ${outcomes}`;
}

export function registerStartCommand(program: Command, context: CliContext): void {
  program
    .command('start')
    .description(
      'start Signet: database (embedded unless DATABASE_URL), the brain on the sim feed with the paper broker',
    )
    .option('--run-id <id>', 'prefix of this run’s cycle and order ids')
    .action(async (options: { runId?: string }) => {
      // Listen for Ctrl-C before anything starts, so a stop asked for at any moment is a clean stop.
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const config = context.config();
      const logger = context.logger();
      const brain = await startBrain(config, logger, { runId: options.runId });
      context.onClose(() => brain.stop());
      context.out('Signet is running.');
      const resume = brain.resume;
      context.out(
        resume.resumed
          ? `  run      : ${resume.runId} resumed after bar ${resume.cursor} (${resume.replayedRequests} paper requests replayed, ${resume.reconciled} table repairs, ${resume.repairs.length} interrupted orders completed)`
          : `  run      : ${resume.runId} (new)`,
      );
      context.out(`  database : ${brain.store.maskedUrl}${config.secrets.databaseUrl ? '' : ' (embedded)'}`);
      context.out(`  data dir : ${config.dataPath}`);
      context.out(`  config   : ${config.source ?? 'defaults (no signet.yaml)'}`);
      context.out(
        `  market   : sim feed (seed ${config.feed.sim.seed}: ${brain.session.symbols.join(', ')}), one bar every ${config.schedule.barIntervalMs} ms`,
      );
      context.out(
        `  broker   : paper, cash ${money(config.paper.cash)}, commission ${config.paper.commission}`,
      );
      context.out(`  agents   : ${brain.deciders}`);
      context.out(`  skills   : ${brain.skills.dir} (${brain.skills.list().length} loaded, hot reload on)`);
      context.out(`  journal  : ${config.paths.contextDir}/journal/<day>/`);
      context.out('  follow   : npx signet bus tail');
      context.out('Stop with Ctrl-C.');
      const short = brain.router.configured ? 'llm' : 'fallback';
      const tty = process.stdout.isTTY === true;
      brain.run((status) => {
        const line = formatStatus(status, short);
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else context.out(line);
      });
      await stopRequested;
      if (tty) process.stdout.write('\n');
      context.out('stopping…');
    });
}
