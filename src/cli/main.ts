import { Command } from 'commander';
import { familiesFor } from './commands/index.ts';
import { createCliContext, describeError } from './context.ts';

/** The `signet` CLI: parse, call a module, print. Each command lives in commands/<name>.ts. */
const program = new Command('signet')
  .description('Signet: a multi-agent LLM trading system with a durable Postgres bus')
  .option('-c, --config <file>', 'config file (default: ./signet.yaml, or SIGNET_CONFIG)')
  .showHelpAfterError();

// Each command loads its own module only: all of them would be a large part of a fast backtest's
// run, and of an operator's `signet halt`.
const commands = await Promise.all(familiesFor(process.argv[2]).map((family) => family.load()));

const context = createCliContext(program);
// A backtest prepares the config, logger and database modules only when it uses them.
if (process.argv[2] !== 'backtest') await context.prepare();
for (const register of commands) register(program, context);

let exitCode = 0;
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`${describeError(error)}\n`);
  exitCode =
    typeof (error as { exitCode?: unknown }).exitCode === 'number'
      ? Number((error as { exitCode: number }).exitCode)
      : 1;
}
await context.closeAll();
process.exitCode = exitCode || process.exitCode || 0;
