import type { Command } from 'commander';
import { Bus } from '../../bus/index.ts';
import {
  latestJournalDay,
  OptimizerInputError,
  reflectionRuntime,
  runOptimizer,
} from '../../optimizer/index.ts';
import type { CliContext } from '../context.ts';

interface OptimizeOptions {
  date?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

function windowOf(options: OptimizeOptions): { from: string; to: string } | null {
  if (options.date && (options.from || options.to))
    throw new OptimizerInputError('give either --date or --from/--to, not both');
  if (options.date) return { from: options.date, to: options.date };
  if (options.from || options.to) {
    const from = options.from ?? options.to!;
    return { from, to: options.to ?? from };
  }
  return null;
}

export function registerOptimizeCommand(program: Command, context: CliContext): void {
  program
    .command('optimize')
    .description(
      'self-optimizer report: veto rates, how vetoed setups would have ended, LLM use, findings (recommends, changes nothing)',
    )
    .option(
      '--date <day>',
      'one UTC day, YYYY-MM-DD (default: the latest day with journal entries; bar time in sim mode)',
    )
    .option('--from <day>', 'first UTC day of a range, YYYY-MM-DD')
    .option('--to <day>', 'last UTC day of a range, inclusive')
    .option('--json', 'print the report as JSON')
    .action(async (options: OptimizeOptions) => {
      const asked = windowOf(options);
      const config = context.config();
      const logger = context.logger();
      const store = await context.store();
      const window = asked ?? (await defaultWindow(store));
      const bus = new Bus({ store, logger, settings: config.bus });
      context.onClose(() => bus.stop());
      const runtime = await reflectionRuntime({ config, store, bus, logger });
      context.onClose(() => runtime.close());
      const result = await runOptimizer({ store, bus, config, logger, agents: runtime.agents }, window);
      if (options.json) {
        context.json({ ...result.report, files: result.files });
        return;
      }
      context.out(result.markdown);
      context.out(`written: ${result.files.markdown}\n         ${result.files.json}`);
    });
}

/** No day given: the newest day the journal has, said on stderr so that --json stays clean. */
async function defaultWindow(store: Parameters<typeof latestJournalDay>[0]) {
  const latest = await latestJournalDay(store);
  const day = latest ?? new Date().toISOString().slice(0, 10);
  process.stderr.write(
    latest
      ? `day: ${day}, the latest day with journal entries (--date picks another)\n`
      : `day: ${day} (today, UTC): the journal has no entries yet\n`,
  );
  return { from: day, to: day };
}
