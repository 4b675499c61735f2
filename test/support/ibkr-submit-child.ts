import { EventName } from '@stoqey/ib';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/logging/index.ts';
import { createStoreFromUrl } from '../../src/store/index.ts';
import { startIbkrBroker } from '../../src/venues/ibkr/broker/live.ts';

/**
 * A brain that dies between submitting and the TWS's answer: it submits a bracket and kills itself
 * with SIGKILL the moment the last placeOrder (the one that transmits) has been written to the
 * socket, before any answer can be read. Arguments: the fake's port, the database URL, the id.
 */
const [port, databaseUrl, clientOrderId] = process.argv.slice(2);
const logger = silentLogger();
const store = createStoreFromUrl(databaseUrl!, { poolSize: 2, connectTimeoutMs: 5_000, logger });
const config = loadConfig({
  env: {},
  file: '/dev/null',
  overrides: { broker: { kind: 'ibkr', ibkr: { port: Number(port), symbols: ['AAPL'] } } } as never,
});
const running = await startIbkrBroker(config.broker.ibkr, { logger, store, liveConfirmed: false });
let placed = 0;
running.broker.connection.api.on(EventName.sent, (tokens: unknown[]) => {
  // Outgoing message 3 is PLACE_ORDER; the bracket's third one transmits the group.
  if (Number(tokens[0]) === 3 && ++placed === 3) process.kill(process.pid, 'SIGKILL');
});
await running.broker.submit({
  clientOrderId: clientOrderId!,
  symbol: 'AAPL',
  side: 'buy',
  type: 'limit',
  limitPrice: 100,
  qty: 10,
  bracket: { stopLoss: 95, takeProfit: 110 },
});
process.stdout.write('submitted without dying\n');
process.exit(1);
