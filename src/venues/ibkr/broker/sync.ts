import { EventName } from '@stoqey/ib';
import { publishLedgerFill } from '../../../broker/index.ts';
import { type ReconcileOptions, type ReconcileResult, reconcile } from '../../../broker/reconcile.ts';
import {
  markOrder,
  recordExecution,
  recordFillCommission,
  recordOrderStates,
  setProtection,
} from '../../../ledger/index.ts';
import type { Logger } from '../../../logging/index.ts';
import { ibCodes } from '../connection/errors.ts';
import { commissionReportArgs, execDetailsArgs, executionSide, parseArgs } from '../connection/events.ts';
import type { IbMessage } from '../connection/ib-connection.ts';
import type { IbkrBroker, LedgerStore } from './ibkr-broker.ts';
import { ibBrokerOrderId, parseIbTime } from './mapping.ts';
import type { IbFill } from './order-book.ts';

export interface IbkrSyncOptions {
  broker: IbkrBroker;
  store: LedgerStore;
  logger: Logger;
  onRepaired?: ReconcileOptions['onRepaired'];
}

export interface IbkrSync {
  /** Replays today's executions (each recorded once, by execId) then reconciles; serialised with the stream. */
  reconcileNow(): Promise<ReconcileResult>;
  idle(): Promise<void>;
  stop(): void;
}

/**
 * Keeps the ledger in step with the TWS: executions (execDetails) become fills exactly once (the
 * fills table is unique on the execution id, so a replay after a restart adds nothing), their
 * commissions follow (commissionReport), order statuses move our rows, an order error (201)
 * rejects the order with IB's reason. After a reconnect (`ready` again) or IB's connectivity
 * coming back (1101/1102), the executions are replayed and the ledger reconciled with the broker
 * as the truth. Everything runs one at a time.
 */
export function startIbkrSync(options: IbkrSyncOptions): IbkrSync {
  const { broker, store, logger } = options;
  const connection = broker.connection;
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'ibkr sync step failed'),
    );
    return next;
  };

  const recordFill = async (fill: IbFill) => {
    const { execution } = fill;
    const clientId = execution.clientId ?? connection.options.clientId;
    const brokerOrderId = ibBrokerOrderId(clientId, execution.orderId);
    const record = broker.book.byOrderId(execution.orderId, clientId);
    const clientOrderId = execution.orderRef || record?.orderRef;
    if (!clientOrderId) return;
    const cumulative = execution.cumQty ?? record?.filled ?? execution.shares;
    if (record) {
      if (cumulative > record.filled) record.filled = cumulative;
      if (execution.avgPrice) record.avgFillPrice = execution.avgPrice;
      if (record.filled >= record.qty) record.status = 'Filled';
    }
    const signed = fill.side === 'buy' ? execution.shares : -execution.shares;
    await store.transaction(async (tx) => {
      const held = await tx.query<{ qty: number }>(
        'SELECT qty FROM positions WHERE broker = $1 AND symbol = $2',
        [broker.name, fill.symbol],
      );
      const positionQty = Number(held.rows[0]?.qty ?? 0) + signed;
      const state = record
        ? broker.stateOf(record)
        : {
            clientOrderId,
            brokerOrderId,
            parentClientOrderId: null,
            leg: 'entry' as const,
            symbol: fill.symbol,
            side: fill.side,
            type: 'market' as const,
            qty: cumulative,
            limitPrice: null,
            stopPrice: null,
            timeInForce: 'day',
            status: 'open' as const,
            filledQty: cumulative,
            avgFillPrice: execution.avgPrice ?? execution.price,
            submittedAt: Date.now(),
            filledAt: null,
            reason: null,
          };
      const recorded = await recordExecution(
        tx,
        broker.name,
        {
          brokerOrderId,
          clientOrderId,
          executionId: execution.execId,
          symbol: fill.symbol,
          side: fill.side,
          qty: execution.shares,
          price: execution.price,
          time: parseIbTime(execution.time ?? undefined, Date.now()),
          cumulativeFilledQty: cumulative,
          positionQty,
        },
        state,
      );
      // The entry's bracket children start working with its fill: record them and point the position at them.
      if (record && record.parentId === 0) {
        const children = broker.book.childrenOf(record).map((child) => broker.stateOf(child));
        if (children.length > 0) {
          await recordOrderStates(tx, broker.name, children);
          if (positionQty !== 0) {
            const legId = (leg: string) =>
              children.find(
                (each) => each.leg === leg && (each.status === 'open' || each.status === 'waiting'),
              )?.clientOrderId ?? null;
            await setProtection(tx, broker.name, fill.symbol, {
              stopClientOrderId: legId('stop_loss'),
              takeProfitClientOrderId: legId('take_profit'),
            });
          }
        }
      }
      if (recorded) await publishLedgerFill(tx, broker.name, execution.execId);
    });
  };

  const replayExecutions = async () => {
    const fills = await broker.book.executions();
    for (const fill of fills) await recordFill(fill);
  };

  const reconcileNow = () =>
    enqueue(async () => {
      await replayExecutions();
      return reconcile({ store, source: broker, logger, onRepaired: options.onRepaired });
    });

  const onExecution = (...args: unknown[]) => {
    const parsed = parseArgs(execDetailsArgs, args);
    // Live executions come with reqId -1; answers to our reqExecutions are replayed by reconcileNow.
    if (!parsed || parsed[0] !== -1) return;
    const [, contract, execution] = parsed;
    enqueue(() =>
      recordFill({ execution, symbol: contract.symbol ?? '', side: executionSide(execution.side) }),
    );
  };
  const onCommission = (...args: unknown[]) => {
    const parsed = parseArgs(commissionReportArgs, args);
    if (!parsed) return;
    const [report] = parsed;
    const commission = report.commission;
    // IB sends Double.MAX_VALUE while the commission is not known yet.
    if (commission === null || commission === undefined || !Number.isFinite(commission) || commission > 1e300)
      return;
    enqueue(() => recordFillCommission(store, broker.name, report.execId, commission));
  };
  const onStatus = (...args: unknown[]) => {
    const orderId = args[0];
    if (typeof orderId !== 'number') return;
    const clientId = typeof args[8] === 'number' ? args[8] : connection.options.clientId;
    enqueue(async () => {
      const record = broker.book.byOrderId(orderId, clientId);
      if (!record?.orderRef) return;
      const family = [record, ...broker.book.childrenOf(record)].map((each) => broker.stateOf(each));
      await store.transaction(async (tx) => {
        const known = await tx.query('SELECT 1 FROM orders WHERE broker = $1 AND client_order_id = $2', [
          broker.name,
          record.orderRef,
        ]);
        if (known.rows.length > 0) await recordOrderStates(tx, broker.name, family);
      });
    });
  };
  const onMessage = (message: IbMessage) => {
    if (message.code !== ibCodes.orderRejected || message.reqId < 0) return;
    const record = broker.book.reject(message.reqId, message.message);
    if (!record?.orderRef) return;
    const clientOrderId = record.orderRef;
    logger.warn({ clientOrderId, reason: message.message }, 'IB rejected the order');
    enqueue(() => markOrder(store, clientOrderId, 'rejected', message.message));
  };
  const onBack = (reason: string) => () => {
    logger.warn({ reason }, 'IB back: reconciling with the broker as the truth');
    reconcileNow().catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'reconciliation after reconnect failed'),
    );
  };
  const onReady = (_handshake: unknown, reconnected: unknown) => {
    if (reconnected === true) onBack('reconnected')();
  };
  const onRestored = onBack('connectivity restored');
  connection.on(EventName.execDetails, onExecution);
  connection.on(EventName.commissionReport, onCommission);
  connection.on(EventName.orderStatus, onStatus);
  connection.on('message', onMessage);
  connection.on('ready', onReady);
  connection.on('restored', onRestored);
  return {
    reconcileNow,
    idle: async () => {
      await queue;
    },
    stop() {
      connection.off(EventName.execDetails, onExecution);
      connection.off(EventName.commissionReport, onCommission);
      connection.off(EventName.orderStatus, onStatus);
      connection.off('message', onMessage);
      connection.off('ready', onReady);
      connection.off('restored', onRestored);
    },
  };
}
