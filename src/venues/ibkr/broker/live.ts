import type { ReconcileOptions, ReconcileResult } from '../../../broker/reconcile.ts';
import type { Config } from '../../../config/index.ts';
import type { Logger } from '../../../logging/index.ts';
import type { IbkrSection } from '../config-section.ts';
import { IbAccountError } from '../connection/errors.ts';
import { IbConnection, type IbHandshake } from '../connection/ib-connection.ts';
import { IbkrBroker, type LedgerStore } from './ibkr-broker.ts';
import { IbOrderBook } from './order-book.ts';
import { IbOrderIds } from './order-ids.ts';
import { type IbkrSync, startIbkrSync } from './sync.ts';

/**
 * IB paper accounts are numbered with a D prefix (DU… for an individual paper account, DF… for a
 * paper advisor); live accounts start with U or F (https://www.interactivebrokers.com/en/software/am/am/manageaccount/paper_trading_account.htm).
 */
export function isPaperAccount(account: string): boolean {
  return account.startsWith('D');
}

/**
 * The account to trade from the handshake's managed accounts: the configured one (which must be
 * among them), else the single one. Paper and live must match `broker.ibkr.live`, and a live account
 * needs `signet start --live` (`liveConfirmed`).
 */
export function chooseAccount(
  section: IbkrSection,
  accounts: readonly string[],
  liveConfirmed: boolean,
): string {
  let account: string;
  if (section.account) {
    if (!accounts.includes(section.account))
      throw new IbAccountError(
        `broker.ibkr.account ${section.account} is not managed by this Gateway (it manages ${accounts.join(', ') || 'none'})`,
        'Set broker.ibkr.account to one of the managed accounts, or log the Gateway into that account.',
      );
    account = section.account;
  } else if (accounts.length === 1) {
    account = accounts[0]!;
  } else {
    throw new IbAccountError(
      `the Gateway manages ${accounts.length} accounts (${accounts.join(', ')}) and broker.ibkr.account is not set`,
      'Set broker.ibkr.account to the account to trade.',
    );
  }
  const paper = isPaperAccount(account);
  if (!section.live && !paper)
    throw new IbAccountError(
      `account ${account} is a live account but broker.ibkr.live is false`,
      'Log the Gateway into the paper account (port 4002 / 7497), or set broker.ibkr.live: true and start with --live.',
    );
  if (section.live && paper)
    throw new IbAccountError(
      `account ${account} is a paper account but broker.ibkr.live is true`,
      'Set broker.ibkr.live: false for the paper account.',
    );
  if (section.live && !liveConfirmed)
    throw new IbAccountError(
      'broker.ibkr.live is true but live trading was not confirmed',
      'Start with --live to trade real money, or set broker.ibkr.live: false in signet.yaml.',
      'live_not_confirmed',
    );
  return account;
}

export function ibConnection(
  section: IbkrSection,
  logger: Logger,
  clientId = section.clientId,
): IbConnection {
  return new IbConnection({
    host: section.host,
    port: section.port,
    clientId,
    logger,
    connectTimeoutMs: section.connectTimeoutMs,
    requestTimeoutMs: section.requestTimeoutMs,
    reconnectInitialMs: section.reconnectInitialMs,
    reconnectMaxMs: section.reconnectMaxMs,
  });
}

/** A broker over a connection whose handshake is done. */
export function brokerOver(
  connection: IbConnection,
  handshake: IbHandshake,
  section: IbkrSection,
  options: { logger: Logger; ledger: LedgerStore; liveConfirmed: boolean },
): IbkrBroker {
  const account = chooseAccount(section, handshake.accounts, options.liveConfirmed);
  const ids = new IbOrderIds(options.ledger, account, connection.options.clientId);
  ids.observe(handshake.nextValidId);
  connection.on('nextValidId', (id: number) => ids.observe(id));
  return new IbkrBroker({
    connection,
    book: new IbOrderBook(connection, options.logger, Date.now),
    ids,
    account,
    contract: { exchange: section.exchange, currency: section.currency },
    logger: options.logger,
    ledger: options.ledger,
    submitTimeoutMs: section.submitTimeoutMs,
  });
}

export interface RunningIbkr {
  broker: IbkrBroker;
  sync: IbkrSync;
  reconciled: ReconcileResult;
  stop(): Promise<void>;
}

/**
 * Everything a process trading through IB starts: the connection (handshake), the account
 * check (paper/live, --live), a reconciliation before anything is sent (executions replayed by
 * execId first), then the stream.
 */
export async function startIbkrBroker(
  section: IbkrSection,
  options: {
    logger: Logger;
    store: LedgerStore;
    liveConfirmed: boolean;
    onRepaired?: ReconcileOptions['onRepaired'];
  },
): Promise<RunningIbkr> {
  const connection = ibConnection(section, options.logger);
  const handshake = await connection.start();
  let broker: IbkrBroker;
  try {
    broker = brokerOver(connection, handshake, section, { ...options, ledger: options.store });
  } catch (error) {
    await connection.stop();
    throw error;
  }
  const sync = startIbkrSync({
    broker,
    store: options.store,
    logger: options.logger,
    onRepaired: options.onRepaired,
  });
  let reconciled: ReconcileResult;
  try {
    reconciled = await sync.reconcileNow();
  } catch (error) {
    // Nothing is traded on a ledger that could not be reconciled: the start fails, cleanly.
    sync.stop();
    await connection.stop();
    throw error;
  }
  return {
    broker,
    sync,
    reconciled,
    async stop() {
      sync.stop();
      await sync.idle();
      await connection.stop();
    },
  };
}

/**
 * The watchdog's broker: its own connection (`watchdogClientId`), opened on first use, so a
 * Gateway that is down when the watchdog starts is a failing `broker_reachable`, not a crash.
 * Flattening only reduces risk: no --live confirmation.
 */
export function watchdogIbkrBroker(config: Config, options: { logger: Logger; store: LedgerStore }) {
  return new LazyIbkrBroker(config.broker.ibkr, options);
}

/** A broker that connects when first asked, and again after the connection was lost for good. */
export class LazyIbkrBroker {
  readonly name = 'ibkr';
  readonly #section: IbkrSection;
  readonly #options: { logger: Logger; store: LedgerStore };
  #opening: Promise<IbkrBroker> | undefined;

  constructor(section: IbkrSection, options: { logger: Logger; store: LedgerStore }) {
    this.#section = section;
    this.#options = options;
  }

  async #broker(): Promise<IbkrBroker> {
    if (!this.#opening) {
      const connection = ibConnection(this.#section, this.#options.logger, this.#section.watchdogClientId);
      this.#opening = connection.start().then(
        (handshake) =>
          brokerOver(connection, handshake, this.#section, {
            logger: this.#options.logger,
            ledger: this.#options.store,
            liveConfirmed: true,
          }),
        async (error: unknown) => {
          this.#opening = undefined;
          await connection.stop();
          throw error;
        },
      );
    }
    return this.#opening;
  }

  account = async () => (await this.#broker()).account();
  positions = async () => (await this.#broker()).positions();
  workingOrders = async () => (await this.#broker()).workingOrders();
  submit = async (...args: Parameters<IbkrBroker['submit']>) => (await this.#broker()).submit(...args);
  cancel = async (...args: Parameters<IbkrBroker['cancel']>) => (await this.#broker()).cancel(...args);
  getOrder = async (id: string) => (await this.#broker()).getOrder(id);
  closeAll = async (idPrefix: string) => (await this.#broker()).closeAll(idPrefix);
  replaceStop = async (...args: Parameters<IbkrBroker['replaceStop']>) =>
    (await this.#broker()).replaceStop(...args);

  async stop(): Promise<void> {
    const opening = this.#opening;
    this.#opening = undefined;
    if (opening) await (await opening.catch(() => undefined))?.connection.stop();
  }
}
