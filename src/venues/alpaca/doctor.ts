import { type DoctorCheck, failure } from '../doctor-check.ts';
import { createAlpacaClient } from './broker/index.ts';
import { createAlpacaFeed } from './feed/index.ts';

const brokerCheck: DoctorCheck = {
  name: 'broker',
  async run(context) {
    const { config } = context;
    try {
      const client = createAlpacaClient(config, context.logger);
      const account = await client.account();
      const clock = await client.clock();
      const mode = config.broker.alpaca.mode;
      if (account.status !== 'ACTIVE' || account.trading_blocked || account.account_blocked) {
        return {
          status: 'fail',
          detail: `Alpaca ${mode} account ${account.account_number ?? account.id} is ${account.status}${account.trading_blocked ? ', trading blocked' : ''}${account.account_blocked ? ', account blocked' : ''}`,
          fix: 'Resolve the account status in the Alpaca dashboard.',
        };
      }
      return {
        status: 'ok',
        detail: `Alpaca ${mode}: keys accepted, account ${account.status}, equity ${account.equity.toFixed(2)} ${account.currency}, market ${clock.is_open ? 'open' : `closed (opens ${clock.next_open})`}`,
      };
    } catch (error) {
      return failure(error, 'Check APCA_API_KEY_ID / APCA_API_SECRET_KEY and broker.alpaca.mode.');
    }
  },
};

const feedCheck: DoctorCheck = {
  name: 'feed',
  async run(context) {
    const { config } = context;
    const section = config.broker.alpaca;
    const symbols = section.symbols.length > 0 ? section.symbols : ['SPY'];
    try {
      const feed = createAlpacaFeed(config, context.logger, symbols);
      const latest = await feed.latest();
      const missing = symbols.filter((symbol) => !latest.some((bar) => bar.symbol === symbol));
      if (missing.length > 0)
        return {
          status: 'warn',
          detail: `no latest bar for ${missing.join(', ')}`,
          fix: 'Check the symbols in broker.alpaca.symbols and the data feed (iex covers fewer symbols than sip).',
        };
      const newest = Math.max(...latest.map((bar) => bar.time));
      return {
        status: 'ok',
        detail: `Alpaca data (${section.dataFeed}): latest bars for ${symbols.join(', ')}, newest ${new Date(newest).toISOString()}`,
      };
    } catch (error) {
      return failure(
        error,
        'Check the market-data URL (broker.alpaca.dataUrl) and the data plan of the keys.',
      );
    }
  },
};

/** `signet doctor` on Alpaca: the keys and the account's status, then the market data. */
export const alpacaDoctorChecks: readonly DoctorCheck[] = [brokerCheck, feedCheck];
