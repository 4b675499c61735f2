import { EventName } from '@stoqey/ib';
import type { CheckResult, DoctorCheck } from '../doctor-check.ts';
import { failure } from '../doctor-check.ts';
import { chooseAccount, isPaperAccount } from './broker/live.ts';
import type { IbkrSection } from './config-section.ts';
import { IbConnection } from './connection/ib-connection.ts';
import { IbkrFeed } from './feed/ibkr-feed.ts';

function doctorConnection(section: IbkrSection, logger: DoctorCheckLogger): IbConnection {
  return new IbConnection({
    host: section.host,
    port: section.port,
    clientId: section.dataClientId,
    logger,
    connectTimeoutMs: section.connectTimeoutMs,
    requestTimeoutMs: section.requestTimeoutMs,
    reconnectInitialMs: section.reconnectInitialMs,
    reconnectMaxMs: section.reconnectMaxMs,
    reconnect: false,
  });
}

type DoctorCheckLogger = Parameters<DoctorCheck['run']>[0]['logger'];

/** The Gateway's clock (reqCurrentTime, epoch seconds) against ours, in ms (positive: the Gateway is ahead). */
export async function clockSkewMs(connection: IbConnection, now: () => number = Date.now): Promise<number> {
  const sent = now();
  const serverSeconds = await connection.request<number>('current time', (_reqId, on, done) => {
    on(EventName.currentTime, (time) => done(Number(time)));
    connection.api.reqCurrentTime();
  });
  const local = (sent + now()) / 2;
  // The TWS answers in whole seconds: up to 1 s of the difference is its rounding.
  return serverSeconds * 1000 - local;
}

const brokerCheck: DoctorCheck = {
  name: 'broker',
  async run(context): Promise<CheckResult> {
    const section = context.config.broker.ibkr;
    const connection = doctorConnection(section, context.logger);
    try {
      const handshake = await connection.start();
      const account = chooseAccount(section, handshake.accounts, true);
      const kind = isPaperAccount(account) ? 'paper' : 'live';
      const skew = await clockSkewMs(connection);
      const detail = `IB Gateway ${section.host}:${section.port} (server version ${handshake.serverVersion}, client id ${section.dataClientId}): account ${account} (${kind}, managed: ${handshake.accounts.join(', ')}), clock ${skew >= 0 ? '+' : ''}${Math.round(skew)} ms`;
      if (Math.abs(skew) > section.clockSkewWarnMs + 1000)
        return {
          status: 'warn',
          detail,
          fix: `The Gateway's clock and this host's differ by more than ${section.clockSkewWarnMs} ms: run NTP (chrony/timesyncd) on both.`,
        };
      if (section.live)
        return {
          status: 'warn',
          detail,
          fix: 'broker.ibkr.live is true: `signet start` trades real money only with --live.',
        };
      return { status: 'ok', detail };
    } catch (error) {
      return failure(
        error,
        `Start IB Gateway (or TWS), log in, enable "ActiveX and Socket Clients", allow ${section.host} in Trusted IPs, and check broker.ibkr.host/port (Gateway 4002 paper, 4001 live; TWS 7497/7496).`,
      );
    } finally {
      await connection.stop();
    }
  },
};

const feedCheck: DoctorCheck = {
  name: 'feed',
  async run(context): Promise<CheckResult> {
    const section = context.config.broker.ibkr;
    const symbol = section.symbols[0] ?? 'SPY';
    const connection = doctorConnection(section, context.logger);
    try {
      await connection.start();
      // 1: live data. A missing subscription answers 354, or 10167 with delayed data instead.
      connection.api.reqMarketDataType(1);
      const feed = new IbkrFeed({
        section,
        logger: context.logger,
        symbols: [symbol],
        connect: async () => connection,
      });
      const bars = await feed.bars(connection, symbol, '5 D', '');
      if (bars.length === 0)
        return {
          status: 'warn',
          detail: `no historical bars of ${symbol} (${section.barSize}, ${section.whatToShow})`,
          fix: 'Check the symbol, broker.ibkr.exchange/currency and the account’s market-data permissions.',
        };
      const newest = new Date(bars.at(-1)!.time).toISOString();
      return {
        status: 'ok',
        detail: `IB historical data: ${bars.length} ${section.barSize} bars of ${symbol}, newest ${newest}`,
      };
    } catch (error) {
      return failure(
        error,
        'Check the market-data subscriptions of the IB account (354 / 10167 mean not subscribed) and the pacing (162).',
      );
    } finally {
      await connection.stop();
    }
  },
};

/** `signet doctor` on IB: the Gateway's handshake, the account (paper/live), the clock, then market data. */
export const ibkrDoctorChecks: readonly DoctorCheck[] = [brokerCheck, feedCheck];
