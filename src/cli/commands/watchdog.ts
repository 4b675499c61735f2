import type { Command } from 'commander';
import { whenStopRequested } from '../../platform/index.ts';
import { haltLevelNames, startWatchdog } from '../../watchdog/index.ts';
import type { CliContext } from '../context.ts';

export function registerWatchdogCommand(program: Command, context: CliContext): void {
  program
    .command('watchdog')
    .description(
      'run the watchdog process: invariants, the halt ladder, flatten and page (outside the agent graph)',
    )
    .action(async () => {
      // SIGINT, SIGTERM, and on Windows SIGBREAK (a service stop reaches us as Ctrl+C).
      const stopRequested = whenStopRequested().then(() => {});
      const config = context.config();
      const logger = context.logger();
      const running = await startWatchdog(config, logger);
      context.onClose(() => running.stop());
      context.out(
        `watchdog running (pid ${process.pid}), checking every ${config.watchdog.checkIntervalMs} ms`,
      );
      let last = '';
      running.watchdog.onCheck((check) => {
        const line = check.leader
          ? `level ${check.level} (${haltLevelNames[check.level]})${check.failing.length ? `: ${check.failing.map((each) => each.name).join(', ')}` : ''}${check.flattened ? ' — flat' : ''}`
          : 'standing by (another watchdog leads)';
        if (line !== last) context.out(`${new Date(check.at).toISOString()} ${line}`);
        last = line;
      });
      await stopRequested;
    });
}
