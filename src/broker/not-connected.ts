import { SignetError } from '../errors/index.ts';

/**
 * The broker has not been reached yet (e.g. no MT5 terminal has connected): nothing is known
 * about the account, so nothing may be traded, but it is not a lost connection either.
 */
export class BrokerNotConnectedError extends SignetError {
  constructor(message: string, options: { fix: string }) {
    super(message, { code: 'broker_not_connected', fault: 'user', isRetryable: true, fix: options.fix });
  }
}
