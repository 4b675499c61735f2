import { EventName } from '@stoqey/ib';
import type { Logger } from '../../../logging/index.ts';
import { ibCodes } from '../connection/errors.ts';
import type { IbConnection, IbMessage } from '../connection/ib-connection.ts';

/**
 * Waits for the TWS's first word on the orders just sent: an openOrder or orderStatus of the
 * parent (accepted), or an order error (201 rejected and the like) naming one of them. Null
 * when accepted or still unanswered at the deadline (the order is on the ledger with its id;
 * the stream or reconciliation settles it), else the reason.
 */
export function awaitAnswer(
  connection: IbConnection,
  logger: Logger,
  timeoutMs: number,
  orderIds: number[],
): Promise<string | null> {
  const ids = new Set(orderIds);
  return new Promise((resolve) => {
    const finish = (value: string | null) => {
      clearTimeout(timer);
      connection.off('message', onMessage);
      connection.off(EventName.openOrder, onAccepted);
      connection.off(EventName.orderStatus, onAccepted);
      connection.off('down', onDown);
      resolve(value);
    };
    const onMessage = (message: IbMessage) => {
      if (!ids.has(message.reqId) || message.code >= 2100) return;
      if (message.code === ibCodes.orderCancelled) return;
      finish(message.message || `TWS error ${message.code}`);
    };
    const onAccepted = (...args: unknown[]) => {
      if (args[0] === orderIds[0] && typeof args[1] !== 'string') finish(null);
      else if (args[0] === orderIds[0] && args[1] !== 'Inactive') finish(null);
    };
    const onDown = () => finish(null);
    const timer = setTimeout(() => {
      logger.warn({ orderIds }, 'no answer from the TWS yet: the stream or reconciliation settles the order');
      finish(null);
    }, timeoutMs);
    connection.on('message', onMessage);
    connection.on(EventName.openOrder, onAccepted);
    connection.on(EventName.orderStatus, onAccepted);
    connection.on('down', onDown);
  });
}
