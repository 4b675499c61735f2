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
          detail: `Alpaca ${mode} account ${account.account_number ?? account.id} is ${account.status}, trading_blocked ${account.trading_blocked ? 'yes' : 'no'}, account_blocked ${account.account_blocked ? 'yes' : 'no'}`,
          fix: 'Resolve the account status in the Alpaca dashboard.',
        };
      }
      const flags = `trading_blocked ${account.trading_blocked ? 'yes' : 'no'}, account_blocked ${account.account_blocked ? 'yes' : 'no'}, pattern day trader ${account.pattern_day_trader ? 'yes' : 'no'} (${account.daytrade_count} day trades in 5 days), buying power ${account.buying_power.toFixed(2)} ${account.currency}`;
      const detail = `Alpaca ${mode}: keys accepted, account ${account.status}, equity ${account.equity.toFixed(2)} ${account.currency}, ${flags}, market ${clock.is_open ? 'open' : `closed (opens ${clock.next_open})`}`;
      // FINRA's PDT rule: a flagged account under $25,000 equity is refused new day trades.
      if (account.pattern_day_trader && account.equity < 25_000)
        return {
          status: 'warn',
          detail,
          fix: 'The account is flagged as a pattern day trader with equity under $25,000: Alpaca refuses day trades until equity is at least $25,000.',
        };
      if (account.buying_power <= 0)
        return {
          status: 'warn',
          detail,
          fix: 'The account has no buying power: new entries will be refused (403).',
        };
      return { status: 'ok', detail };
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
