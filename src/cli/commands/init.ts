import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { exampleConfig } from '../../config/index.ts';
import type { CliContext } from '../context.ts';

export function registerInitCommand(program: Command, context: CliContext): void {
  program
    .command('init')
    .description('write a commented signet.yaml with every default')
    .option('--file <path>', 'where to write it', 'signet.yaml')
    .option('--force', 'overwrite an existing file')
    .action((options: { file: string; force?: boolean }) => {
      const target = path.resolve(options.file);
      if (existsSync(target) && !options.force) {
        throw new Error(
          `${target} exists already: pass --force to overwrite it, or --file to write elsewhere`,
        );
      }
      writeFileSync(target, exampleConfig);
      context.out(`wrote ${target}: every key shows its default; edit what you need.`);
    });
}
