import type { Broker } from '../broker/index.ts';
import { type Bus, readPayload, type Subscription, topics } from '../bus/index.ts';
import type { Logger } from '../logging/index.ts';
import { submitExit } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import type { Publish } from './trading-kernel.ts';

export interface OperatorExitOptions {
  bus: Bus;
  store: Store;
  logger: Logger;
  /** The session's broker (the sim's journaled paper broker, a venue's broker). */
  broker: Broker;
  brokerName: string;
  publish: Publish;
}

/**
 * Executes the operator's confirmed exits (`operator.exit_requested`, from `/forceexit` after
 * its confirmation button) with the monitor's exit order (`submitExit`): a market `exit` leg,
 * which replaces the position's stops at the broker, recorded in the ledger and published as
 * `monitor.exited`. A durable consumer, so a request made while the brain was down is served at
 * start; a symbol no longer held is published as not sent, never guessed at.
 */
export function serveOperatorExits(options: OperatorExitOptions): Promise<Subscription> {
  const { bus, broker, brokerName, store, logger, publish } = options;
  return bus.subscribe(`operator-exit:${brokerName}`, [topics.operatorExitRequested], async (message) => {
    const request = readPayload(topics.operatorExitRequested, message);
    if (!request) return;
    const held = (await broker.positions()).find((position) => position.symbol === request.symbol);
    if (!held || held.qty === 0) {
      await publish({
        fromAgent: 'brain',
        toAgent: 'operator',
        topic: topics.orderNotSent,
        causationId: message.id,
        payload: {
          symbol: request.symbol,
          reason: 'operator exit: no position at the broker',
          by: request.by,
        },
      });
      return;
    }
    const clientOrderId = `${request.symbol}.opexit.${message.id}`;
    const status = await submitExit({ broker, brokerName, db: store }, held, clientOrderId);
    await publish({
      fromAgent: 'brain',
      toAgent: 'operator',
      topic: topics.monitorExited,
      causationId: message.id,
      payload: { symbol: held.symbol, qty: held.qty, clientOrderId, stopPrice: null, status, by: request.by },
    });
    logger.warn({ symbol: held.symbol, clientOrderId, status, by: request.by }, 'operator exit sent');
  });
}
