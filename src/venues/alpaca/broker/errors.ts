import { type Fault, SignetError } from '../../../errors/index.ts';

/**
 * Errors of a networked broker. Each says whose fault it is and whether a retry can help, so
 * the pipeline and the watchdog decide without reading messages. `outcomeUnknown` marks the one
 * case that must never be retried blindly: an order submission whose answer never arrived.
 */
export interface BrokerErrorOptions {
  code: string;
  fault: Fault;
  isRetryable?: boolean;
  fix: string;
  cause?: unknown;
  status?: number;
  brokerCode?: number;
  details?: Record<string, unknown>;
}

export class BrokerError extends SignetError {
  readonly status: number | undefined;
  readonly brokerCode: number | undefined;

  constructor(message: string, options: BrokerErrorOptions) {
    super(message, {
      code: options.code,
      fault: options.fault,
      isRetryable: options.isRetryable,
      fix: options.fix,
      cause: options.cause,
      details: { ...options.details, status: options.status, brokerCode: options.brokerCode },
    });
    this.status = options.status;
    this.brokerCode = options.brokerCode;
  }
}

type Specific = Omit<BrokerErrorOptions, 'code' | 'fault' | 'fix'> & { fix?: string };

/** 401: wrong or missing keys, or paper keys against the live host (and vice versa). */
export class BrokerAuthError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_unauthorized',
      fault: 'user',
      fix:
        options.fix ??
        'Set APCA_API_KEY_ID and APCA_API_SECRET_KEY to a key pair of the same mode as broker.alpaca.mode (paper keys only work on paper-api, live keys on api).',
    });
  }
}

/** 403: the broker refuses this action (buying power, shares held, shorting, wash trade, data plan). */
export class BrokerForbiddenError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_forbidden',
      fault: 'user',
      fix:
        options.fix ??
        'The broker refused the request for the reason above: reduce the size, free the shares held by other orders, or check the account permissions in the Alpaca dashboard.',
    });
  }
}

/** 422: the request was understood and rejected (validation, duplicate id, not cancelable). */
export class BrokerRejectedError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_rejected',
      fault: 'user',
      fix:
        options.fix ??
        'Correct the order named above (prices, quantity, bracket geometry) before resubmitting.',
    });
  }
}

export class BrokerNotFoundError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_not_found',
      fault: 'user',
      fix: options.fix ?? 'Check the order id or symbol; the broker does not know it.',
    });
  }
}

/** 429 that outlasted every backoff. */
export class BrokerRateLimitedError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_rate_limited',
      fault: 'external',
      isRetryable: true,
      fix:
        options.fix ??
        'Signet is sending too many requests (Alpaca allows 200 a minute): lower the polling rate or the number of symbols.',
    });
  }
}

/** 5xx or the connection failed: the broker is unreachable right now. */
export class BrokerUnavailableError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_unavailable',
      fault: 'external',
      isRetryable: true,
      fix:
        options.fix ??
        'Check the network and https://status.alpaca.markets; Signet retries reads on its own.',
    });
  }
}

/** The broker answered something that is not the documented JSON; nothing was changed locally. */
export class BrokerResponseError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_response_invalid',
      fault: 'external',
      isRetryable: false,
      fix:
        options.fix ??
        'The broker sent an unexpected answer; no local state was changed. Retry later; if it persists, report it with the logged path.',
    });
  }
}

/** No answer in time. For an order submission the outcome is unknown, not failed. */
export class BrokerTimeoutError extends BrokerError {
  constructor(message: string, options: Specific = {}) {
    super(message, {
      ...options,
      code: 'broker_timeout',
      fault: 'timeout',
      isRetryable: true,
      fix:
        options.fix ??
        'The broker did not answer in time; check the network. An order in this state is settled by the client-order-id lookup or the next reconciliation.',
    });
  }
}

/** A submission whose fate could not be established; it must not be resent until reconciled. */
export class OrderOutcomeUnknownError extends BrokerError {
  readonly clientOrderId: string;
  constructor(clientOrderId: string, options: Specific = {}) {
    super(`order ${clientOrderId}: the broker did not confirm or deny it`, {
      ...options,
      code: 'order_outcome_unknown',
      fault: 'timeout',
      isRetryable: false,
      fix:
        options.fix ??
        'Do not resubmit: run `signet doctor` to check the broker connection; the next reconciliation settles this order from the broker.',
      details: { ...options.details, clientOrderId },
    });
    this.clientOrderId = clientOrderId;
  }
}

/** Live trading was configured but not confirmed with --live. */
export class LiveTradingNotConfirmedError extends SignetError {
  constructor() {
    super('broker.alpaca.mode is "live" but live trading was not confirmed', {
      code: 'live_not_confirmed',
      fault: 'user',
      fix: 'Start with --live to trade real money, or set broker.alpaca.mode: paper in signet.yaml.',
    });
  }
}

/** Credentials missing from the environment. */
export class BrokerCredentialsMissingError extends SignetError {
  constructor(what: string, fix: string) {
    super(`${what} is not set`, { code: 'broker_credentials_missing', fault: 'user', fix });
  }
}
