import { SignetError } from '../../../errors/index.ts';

/**
 * TWS message codes we act on (https://interactivebrokers.github.io/tws-api/message_codes.html).
 */
export const ibCodes = {
  /** "Order rejected - reason: ..." */
  orderRejected: 201,
  /** "Order cancelled". */
  orderCancelled: 202,
  /** Historical Market Data Service error: pacing violation, or "query returned no data". */
  historicalDataService: 162,
  /** "Requested market data is not subscribed". */
  notSubscribed: 354,
  /** "Unable to connect as the client id is already in use." */
  clientIdInUse: 326,
  /** The socket could not be opened (the library's own code). */
  connectFail: 502,
  /** "Not connected" (the library's own code). */
  notConnected: 504,
  /** "Connectivity between IB and Trader Workstation has been lost." */
  connectivityLost: 1100,
  /** "Connectivity ... restored - data lost." (market data subscriptions must be sent again) */
  restoredDataLost: 1101,
  /** "Connectivity ... restored - data maintained." */
  restoredDataMaintained: 1102,
  /** "Socket port has been reset and this connection is being dropped." */
  socketPortReset: 1300,
  /** "Delayed market data" notices and the like (10167: not subscribed, displaying delayed). */
  delayedDataNotice: 10167,
} as const;

/** Codes 2100–2199 are warnings and farm notices (2104 "Market data farm connection is OK"). */
export function isWarning(code: number): boolean {
  return code >= 2100 && code < 2200;
}

/** The TWS connection is down or has lost IB's servers (1100): nothing may be sent. */
export class IbNotConnectedError extends SignetError {
  constructor(reason: string) {
    super(`IB Gateway not usable: ${reason}`, {
      code: 'broker_unavailable',
      fault: 'external',
      isRetryable: true,
      fix: 'Check that IB Gateway (or TWS) is running, logged in, with the API enabled on broker.ibkr.host:port; Signet reconnects by itself.',
    });
  }
}

/** The TWS answered a request with an error code. */
export class IbRequestError extends SignetError {
  readonly ibCode: number;
  constructor(what: string, ibCode: number, message: string, fix?: string) {
    super(`${what}: TWS error ${ibCode}: ${message}`, {
      code: 'broker_rejected',
      fault: 'external',
      isRetryable: ibCode === ibCodes.historicalDataService,
      fix: fix ?? 'See https://interactivebrokers.github.io/tws-api/message_codes.html for the code.',
    });
    this.ibCode = ibCode;
  }
}

/** The TWS did not answer in time. */
export class IbTimeoutError extends SignetError {
  constructor(what: string, ms: number) {
    super(`${what}: no answer from the TWS within ${ms} ms`, {
      code: 'broker_timeout',
      fault: 'external',
      isRetryable: true,
      fix: 'Check the Gateway is responsive (raise broker.ibkr.requestTimeoutMs if it is slow).',
    });
  }
}

/** A live account without `signet start --live`, or a configuration that does not match the account. */
export class IbAccountError extends SignetError {
  constructor(message: string, fix: string, code = 'ibkr_account') {
    super(message, { code, fault: 'user', fix });
  }
}

/** IB (or our own check before sending) refused an order action: the reason is IB's text or ours. */
export class IbOrderRefusedError extends SignetError {
  constructor(message: string, fix: string) {
    super(message, { code: 'broker_rejected', fault: 'external', fix });
  }
}
