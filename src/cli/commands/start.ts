import type { Command } from 'commander';
import { shortDeciders } from '../../agents/index.ts';
import { whenStopRequested } from '../../platform/index.ts';
import { type BrainStatus, type DatabaseStatus, startBrain } from '../../runtime/index.ts';
import { venueFor } from '../../venues/index.ts';
import type { CliContext } from '../context.ts';

const money = (value: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The status line while the database is away: the clock waits, and says on what. */
function formatDatabaseStatus(status: DatabaseStatus): string {
  const seconds = (status.downForMs / 1000).toFixed(1);
  const halt = status.latchedLevel === null ? '' : ` HALT ${status.latchedLevel} latched (signet resume)`;
  if (status.state === 'waiting')
    return `[database unreachable ${seconds} s, waiting${status.bar === null ? '' : ` at bar ${status.bar}`}, try ${status.attempts}]${halt} ${status.detail}`;
  if (status.state === 'restarting') return `[database died] ${status.detail}`;
  return `[database ${status.state} after ${seconds} s]${halt} ${status.detail}`;
}

export function formatStatus(status: BrainStatus, deciders: string): string {
  if (status.mode === 'database') return formatDatabaseStatus(status.status);
  const value = status.status;
  const outcomes =
    value.outcomes.map((outcome) => `${outcome.symbol}:${outcome.outcome}`).join(' ') || 'no candidates';
  const halt = value.haltLevel === null ? 'UNREADABLE' : String(value.haltLevel);
  const when =
    status.mode === 'sim'
      ? `${status.status.barTime} bar ${status.status.bar}`
      : `${status.status.at.slice(0, 19)}Z ${status.status.job}`;
  return `[${when}] equity ${money(value.equity)} cash ${money(value.cash)} positions ${value.positions} halt ${halt} ${deciders} | ${outcomes}`;
}

export function registerStartCommand(program: Command, context: CliContext): void {
  program
    .command('start')
    .description(
      'start Signet: database (embedded unless DATABASE_URL), the brain on the sim feed with the paper broker',
    )
    .option('--run-id <id>', 'prefix of this run’s cycle and order ids (sim)')
    .option('--live', 'confirm trading a live (real money) broker account')
    .option('--no-watchdog', 'never launch the watchdog (it runs as its own service: signet service install)')
    .action(async (options: { runId?: string; live?: boolean; watchdog: boolean }) => {
      // Listen for Ctrl-C before anything starts, so a stop asked for at any moment is a clean stop.
      // SIGINT, SIGTERM, and on Windows SIGBREAK (a service stop reaches us as Ctrl+C).
      const stopRequested = whenStopRequested().then(() => {});
      const loaded = context.config();
      // Under a service manager the watchdog is a unit of its own, not a child of the brain.
      const config = options.watchdog
        ? loaded
        : { ...loaded, watchdog: { ...loaded.watchdog, autostart: 'never' as const } };
      const logger = context.logger();
      const brain = await startBrain(config, logger, {
        runId: options.runId,
        live: options.live === true,
        // Another brain leads this account: say so, and wait (Ctrl-C stops the wait).
        standby: { announce: (text) => context.out(text), stopRequested },
      });
      if (brain === null) {
        context.out('stopped while standing by (never led the account).');
        return;
      }
      context.onClose(() => brain.stop());
      context.out('Signet is running.');
      context.out(`  run      : ${brain.startup}`);
      context.out(`  database : ${brain.store.maskedUrl}${config.secrets.databaseUrl ? '' : ' (embedded)'}`);
      context.out(`  data dir : ${config.dataPath}`);
      context.out(`  config   : ${config.source ?? 'defaults (no signet.yaml)'}`);
      const venue = venueFor(config).describe(config, {
        symbols: brain.symbols,
        ingressUrl: brain.ingress.url,
      });
      context.out(`  market   : ${venue.market}`);
      context.out(`  broker   : ${venue.broker}`);
      context.out(
        `  agents   : ${brain.deciders} (as configured; the status line counts who actually decided)`,
      );
      context.out(`  skills   : ${brain.skills.dir} (${brain.skills.list().length} loaded, hot reload on)`);
      context.out(`  journal  : ${config.paths.contextDir}/journal/<day>/ (one markdown file per decision)`);
      context.out(`  console  : ${brain.ingress.describe()}`);
      context.out(`  watchdog : ${brain.watchdog}`);
      context.out('  follow   : npx signet bus tail');
      context.out(
        '  explain  : npx signet explain <order id | cycle id> (every message, signature, order and fill of a decision)',
      );
      context.out('Stop with Ctrl-C.');
      const tty = process.stdout.isTTY === true;
      const consoleHint = config.secrets.operatorToken
        ? ''
        : ' (start with SIGNET_OPERATOR_TOKEN=… to open it)';
      let announced = false;
      brain.run((status) => {
        // Who actually decided since the start (a route that refuses every call shows as fallback).
        const line = formatStatus(status, shortDeciders(brain.decisions()));
        // A database event is a line of its own: it must stay on screen, not be overwritten by the next bar.
        if (tty && status.mode !== 'database') process.stdout.write(`\r\x1b[2K${line}`);
        else context.out(tty ? `\r\x1b[2K${line}` : line);
        if (status.mode === 'database') return;
        const first = status.status.outcomes.find((outcome) => outcome.outcome === 'executed');
        if (announced || !first?.clientOrderId) return;
        announced = true;
        // The first trade says where to read about it; every later one is in the same places.
        void brain.whereToLook(first.clientOrderId).then(
          (pointers) => {
            if (tty) process.stdout.write('\n');
            context.out(`first order: ${first.symbol} ${first.clientOrderId} (${first.qty} units), read it:`);
            context.out(`  ${pointers.explain}`);
            if (pointers.console) context.out(`  ${pointers.console}${consoleHint}`);
            for (const file of pointers.journal) context.out(`  ${file}`);
          },
          () => {},
        );
      });
      const lost = await Promise.race([
        stopRequested.then(() => null),
        brain.lost,
        // An embedded database folder the brain cannot recover ends the run with its fix.
        brain.fatal,
      ]);
      if (lost) {
        if (tty) process.stdout.write('\n');
        context.out(`deposed as leader (${lost.message}): trading stopped; start again to stand by or lead.`);
        process.exitCode = 1;
        return;
      }
      if (tty) process.stdout.write('\n');
      context.out('stopping…');
    });
}
