import { type ReconcileOptions, type ReconcileResult, reconcile } from '../../../broker/reconcile.ts';
import type { Config } from '../../../config/index.ts';
import type { Logger } from '../../../logging/index.ts';
import { type AlpacaSection, alpacaEndpoints } from '../config-section.ts';
import { AlpacaBroker, type LedgerStore } from './alpaca-broker.ts';
import { AlpacaTradingClient } from './client.ts';
import { BrokerCredentialsMissingError, LiveTradingNotConfirmedError } from './errors.ts';
import type { AlpacaCredentials } from './http.ts';
import { type AlpacaSync, startAlpacaSync } from './sync.ts';

/**
 * The start command calls this with its `--live` flag before any broker is built: a live
 * configuration without the flag is refused (paper needs no confirmation).
 */
export function confirmLiveTrading(section: AlpacaSection, options: { live: boolean }): void {
  if (section.mode === 'live' && !options.live) throw new LiveTradingNotConfirmedError();
}

export function alpacaCredentials(config: Config): AlpacaCredentials {
  const { alpacaKeyId, alpacaSecretKey } = config.secrets.broker;
  if (!alpacaKeyId || !alpacaSecretKey) {
    throw new BrokerCredentialsMissingError(
      alpacaKeyId ? 'APCA_API_SECRET_KEY' : 'APCA_API_KEY_ID',
      `Export APCA_API_KEY_ID and APCA_API_SECRET_KEY (a ${config.broker.alpaca.mode} key pair from the Alpaca dashboard) before starting.`,
    );
  }
  return { keyId: alpacaKeyId, secretKey: alpacaSecretKey };
}

export function createAlpacaClient(config: Config, logger: Logger): AlpacaTradingClient {
  const section = config.broker.alpaca;
  return new AlpacaTradingClient({
    baseUrl: alpacaEndpoints(section).tradingUrl,
    credentials: alpacaCredentials(config),
    logger,
    timeoutMs: section.timeoutMs,
    maxRetries: section.maxRetries,
  });
}

/** The configured Alpaca broker; live mode needs `liveConfirmed` (the start command's --live). */
export function createAlpacaBroker(
  config: Config,
  options: { logger: Logger; ledger?: LedgerStore; liveConfirmed: boolean },
): AlpacaBroker {
  confirmLiveTrading(config.broker.alpaca, { live: options.liveConfirmed });
  return new AlpacaBroker({
    client: createAlpacaClient(config, options.logger),
    logger: options.logger,
    ledger: options.ledger,
  });
}

export interface RunningAlpaca {
  broker: AlpacaBroker;
  sync: AlpacaSync;
  /** What the start-up reconciliation repaired (fills and fates that happened while Signet was down). */
  reconciled: ReconcileResult;
  stop(): Promise<void>;
}

/**
 * Everything a process trading through Alpaca starts: the broker (live refused without
 * `liveConfirmed`), a reconciliation of the ledger against the broker before anything is sent,
 * then the trade-updates stream (polling while it is down).
 */
export async function startAlpacaBroker(
  config: Config,
  options: {
    logger: Logger;
    store: LedgerStore;
    liveConfirmed: boolean;
    onRepaired?: ReconcileOptions['onRepaired'];
  },
): Promise<RunningAlpaca> {
  const broker = createAlpacaBroker(config, { ...options, ledger: options.store });
  const reconciled = await reconcile({
    store: options.store,
    source: broker,
    logger: options.logger,
    onRepaired: options.onRepaired,
  });
  const sync = await startAlpacaSync({
    broker,
    store: options.store,
    logger: options.logger,
    streamUrl: alpacaEndpoints(config.broker.alpaca).streamUrl,
    credentials: alpacaCredentials(config),
    pollIntervalMs: config.broker.alpaca.pollIntervalMs,
    onRepaired: options.onRepaired,
  });
  return { broker, sync, reconciled, stop: () => sync.stop() };
}
