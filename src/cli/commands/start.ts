import type { Command } from 'commander';
import { startBrain } from '../../runtime/index.ts';
import type { CliContext } from '../context.ts';

export function registerStartCommand(program: Command, context: CliContext): void {
  program
    .command('start')
    .description('start Signet: database (embedded unless DATABASE_URL), migrations, the brain')
    .action(async () => {
      const config = context.config();
      const logger = context.logger();
      const brain = await startBrain(config, logger);
      context.onClose(() => brain.stop());
      context.out('Signet is running.');
      context.out(`  database : ${brain.store.maskedUrl}${config.secrets.databaseUrl ? '' : ' (embedded)'}`);
      context.out(`  data dir : ${config.dataPath}`);
      context.out(`  config   : ${config.source ?? 'defaults (no signet.yaml)'}`);
      context.out('  follow   : npx signet bus tail');
      context.out('Stop with Ctrl-C.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      context.out('stopping…');
    });
}
