import type { Command } from 'commander';
import { Bus, messageToJson, withLegacyNames } from '../../bus/index.ts';
import { whenStopRequested } from '../../platform/index.ts';
import type { CliContext } from '../context.ts';
import { formatMessage, parseDate } from '../format.ts';

function createBus(context: CliContext, store: Awaited<ReturnType<CliContext['store']>>): Bus {
  const bus = new Bus({ store, logger: context.logger(), settings: context.config().bus });
  context.onClose(() => bus.stop());
  return bus;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerBusCommands(program: Command, context: CliContext): void {
  const bus = program.command('bus').description('the durable message bus: follow and replay');

  bus
    .command('tail')
    .description('print the latest messages and parked failures, then follow new messages live')
    .option('-n, --lines <count>', 'how many recent messages to show first', '20')
    .option('--topic <topic>', 'only this topic or prefix.* (repeatable)', collect, [])
    .option('--json', 'one JSON object per line')
    .option('--no-follow', 'print and exit instead of following')
    .action(async (options: { lines: string; topic: string[]; json?: boolean; follow: boolean }) => {
      const store = await context.store();
      const instance = createBus(context, store);
      const print = (message: Parameters<typeof formatMessage>[0]) =>
        context.out(options.json ? JSON.stringify(messageToJson(message)) : formatMessage(message));
      const parked = await instance.parked();
      if (!options.json && parked.length > 0) {
        context.out(`${parked.length} parked message(s), not delivered to their consumer:`);
        for (const item of parked) {
          context.out(
            `  PARKED #${item.messageId} ${item.topic} consumer=${item.consumer} attempts=${item.attempts} error=${item.error}`,
          );
        }
      }
      const count = Number(options.lines);
      if (!Number.isInteger(count) || count < 0)
        throw new Error(`--lines "${options.lines}" must be a whole number ≥ 0`);
      // A catalog topic also matches the names its messages had before the catalog.
      const topics = withLegacyNames(options.topic.length > 0 ? options.topic : ['*']);
      const { messages, position } = await instance.latest(count);
      const wanted = (topic: string) =>
        topics.includes('*') ||
        topics.some((each) => each === topic || (each.endsWith('.*') && topic.startsWith(each.slice(0, -1))));
      for (const message of messages) if (wanted(message.topic)) print(message);
      if (!options.follow) return;
      await instance.subscribe(`tail.${process.pid}`, topics, print, {
        durable: false,
        startAfter: position,
      });
      await whenStopRequested();
    });

  bus
    .command('replay')
    .description('print the messages of a time window in delivery order')
    .requiredOption('--from <time>', 'start of the window (ISO 8601)')
    .option('--to <time>', 'end of the window, exclusive (default: now)')
    .option('--topic <topic>', 'only this topic or prefix.* (repeatable)', collect, [])
    .option('--cycle <id>', 'only this cycle')
    .option('--json', 'a JSON array')
    .action(
      async (options: { from: string; to?: string; topic: string[]; cycle?: string; json?: boolean }) => {
        const from = parseDate(options.from, '--from');
        const to = options.to ? parseDate(options.to, '--to') : new Date();
        if (to <= from)
          throw new Error(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
        const store = await context.store();
        const instance = createBus(context, store);
        const filter = { from, to, topics: options.topic, cycleId: options.cycle };
        if (options.json) {
          const messages = await instance.replayAll(filter);
          context.json(messages.map(messageToJson));
          return;
        }
        let count = 0;
        for await (const message of instance.replay(filter)) {
          context.out(formatMessage(message));
          count += 1;
        }
        context.out(`${count} message(s) from ${from.toISOString()} to ${to.toISOString()}`);
      },
    );
}
