import type { Command } from 'commander';
import { migrate, migrationStatus } from '../../store/index.ts';
import type { CliContext } from '../context.ts';

export function registerDbCommands(program: Command, context: CliContext): void {
  const db = program.command('db').description('database: status and migrations');

  db.command('status')
    .description('show the database in use and which migrations are applied')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const store = await context.store();
      const status = await migrationStatus(store);
      const server = await store.query<{ server_version: string }>('SHOW server_version');
      const pending = status.filter((row) => row.appliedAt === null);
      if (options.json) {
        context.json({
          url: store.maskedUrl,
          serverVersion: server.rows[0]?.server_version,
          migrations: status,
          pending: pending.length,
        });
        return;
      }
      context.out(`database: ${store.maskedUrl} (PostgreSQL ${server.rows[0]?.server_version ?? '?'})`);
      for (const row of status) {
        context.out(
          `  ${String(row.version).padStart(4, '0')} ${row.name.padEnd(28)} ${row.appliedAt ? `applied ${row.appliedAt.toISOString()}` : 'PENDING'}`,
        );
      }
      context.out(
        pending.length === 0
          ? 'all migrations applied'
          : `${pending.length} pending: run \`signet db migrate\``,
      );
    });

  db.command('migrate')
    .description('apply pending migrations (safe to run from several processes at once)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const store = await context.store();
      // openStore already migrates; running again reports what is left, which is nothing.
      const applied = await migrate(store, context.logger());
      const status = await migrationStatus(store);
      if (options.json) {
        context.json({ url: store.maskedUrl, appliedNow: applied, migrations: status });
        return;
      }
      context.out(`database: ${store.maskedUrl}`);
      context.out(`${status.filter((row) => row.appliedAt).length}/${status.length} migrations applied`);
    });
}
