import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createCliContext } from '../context.ts';
import { commandFamilies, familiesFor } from './index.ts';

describe('command families', () => {
  it("names exactly the top-level commands each family's module registers", async () => {
    for (const family of commandFamilies) {
      const program = new Command('signet');
      (await family.load())(program, createCliContext(program));
      expect(program.commands.map((command) => command.name()).sort(), family.names.join(',')).toEqual(
        [...family.names].sort(),
      );
    }
  });

  it('names every command once', () => {
    const names = commandFamilies.flatMap((family) => family.names);
    expect(new Set(names).size).toBe(names.length);
  });

  it("loads a command's own family only, and every family for help or an unknown word", () => {
    expect(familiesFor('status').map((family) => family.names)).toEqual([['halt', 'resume', 'status']]);
    expect(familiesFor('backtest').map((family) => family.names)).toEqual([['backtest']]);
    for (const first of ['help', '--help', '-c', 'stauts', undefined])
      expect(familiesFor(first)).toBe(commandFamilies);
  });
});
