import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerBacktestCommand } from './backtest.ts';
import { registerBusCommands } from './bus.ts';
import { registerDbCommands } from './db.ts';
import { registerDoctorCommand } from './doctor.ts';
import { registerEvaluateCommand } from './evaluate.ts';
import { registerExplainCommand } from './explain.ts';
import { registerHaltCommands } from './halt.ts';
import { registerInitCommand } from './init.ts';
import { registerLlmCommands } from './llm.ts';
import { registerOperatorCommands } from './operator-credential.ts';
import { registerOptimizeCommand } from './optimize.ts';
import { registerServiceCommands } from './service.ts';
import { registerSkillsCommands } from './skills.ts';
import { registerStartCommand } from './start.ts';
import { registerWatchdogCommand } from './watchdog.ts';

export type RegisterCommand = (program: Command, context: CliContext) => void;

/** Every command family, one line each. */
export const commands: RegisterCommand[] = [
  registerStartCommand,
  registerDbCommands,
  registerBusCommands,
  registerSkillsCommands,
  registerLlmCommands,
  registerBacktestCommand,
  registerEvaluateCommand,
  registerDoctorCommand,
  registerExplainCommand,
  registerInitCommand,
  registerOptimizeCommand,
  registerHaltCommands,
  registerOperatorCommands,
  registerWatchdogCommand,
  registerServiceCommands,
];
