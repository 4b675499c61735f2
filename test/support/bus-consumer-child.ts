/**
 * A consumer in its own process, so a test can kill it with SIGKILL mid-handler.
 * argv: <databaseUrl> <consumer> <topic> <outputFile> <handlerDelayMs>
 * Each message id is appended (and fsynced) to the output file when the handler starts.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { Bus } from '../../src/bus/index.ts';
import { silentLogger } from '../../src/logging/index.ts';
import { createStoreFromUrl } from '../../src/store/index.ts';

const [url, consumer, topic, output, delay] = process.argv.slice(2);
if (!url || !consumer || !topic || !output)
  throw new Error('usage: <url> <consumer> <topic> <output> <delayMs>');
const logger = silentLogger();
const store = createStoreFromUrl(url, { poolSize: 4, connectTimeoutMs: 5_000, logger });
const bus = new Bus({ store, logger, settings: { pollIntervalMs: 200, batchSize: 10 } });
const file = openSync(output, 'a');
await bus.subscribe(consumer, [topic], async (message) => {
  writeSync(file, `${message.id}\n`);
  fsyncSync(file);
  await new Promise((resolve) => setTimeout(resolve, Number(delay ?? 0)));
});
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await bus.stop();
  await store.close();
  closeSync(file);
  process.exit(0);
});
