import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export type RegisterCommand = (program: Command, context: CliContext) => void;

/** A command family: the top-level commands its module registers, and the module, loaded on use. */
export interface CommandFamily {
  names: readonly string[];
  load(): Promise<RegisterCommand>;
}

/**
 * Every command family, one line each. `signet <name> …` loads the one module that registers
 * `<name>`: loading all of them (the LLM SDKs, the broker clients, the web server) took ≈ 0.5 s
 * of every command's start, `signet halt` included. Help and unknown names load them all.
 * index.test.ts checks each line's names against what its module registers.
 */
export const commandFamilies: readonly CommandFamily[] = [
  { names: ['start'], load: async () => (await import('./start.ts')).registerStartCommand },
  { names: ['db'], load: async () => (await import('./db.ts')).registerDbCommands },
  { names: ['bus'], load: async () => (await import('./bus.ts')).registerBusCommands },
  { names: ['skills'], load: async () => (await import('./skills.ts')).registerSkillsCommands },
  { names: ['llm', 'ledger'], load: async () => (await import('./llm.ts')).registerLlmCommands },
  { names: ['backtest'], load: async () => (await import('./backtest.ts')).registerBacktestCommand },
  { names: ['evaluate'], load: async () => (await import('./evaluate.ts')).registerEvaluateCommand },
  { names: ['doctor'], load: async () => (await import('./doctor.ts')).registerDoctorCommand },
  { names: ['explain'], load: async () => (await import('./explain.ts')).registerExplainCommand },
  { names: ['init'], load: async () => (await import('./init.ts')).registerInitCommand },
  { names: ['optimize'], load: async () => (await import('./optimize.ts')).registerOptimizeCommand },
  { names: ['halt', 'resume', 'status'], load: async () => (await import('./halt.ts')).registerHaltCommands },
  {
    names: ['operator'],
    load: async () => (await import('./operator-credential.ts')).registerOperatorCommands,
  },
  { names: ['watchdog'], load: async () => (await import('./watchdog.ts')).registerWatchdogCommand },
  { names: ['service'], load: async () => (await import('./service.ts')).registerServiceCommands },
];

/** The families to load for a command line's first word: its own, or every one (help, a typo). */
export function familiesFor(first: string | undefined): readonly CommandFamily[] {
  const own = commandFamilies.find((family) => first !== undefined && family.names.includes(first));
  return own ? [own] : commandFamilies;
}
