import { publishLedgerFill } from '../../../broker/index.ts';
import { type ReconcileOptions, type ReconcileResult, reconcile } from '../../../broker/reconcile.ts';
import { recordExecution, recordOrderStates } from '../../../broker/reconcile-ledger.ts';
import { reconcileSql } from '../../../broker/reconcile-sql.ts';
import { followReplacedLeg, setProtection } from '../../../ledger/index.ts';
import type { Logger } from '../../../logging/index.ts';
import type { AlpacaBroker, LedgerStore } from './alpaca-broker.ts';
import type { AlpacaCredentials } from './http.ts';
import { orderStates } from './mapping.ts';
import type { AlpacaTradeUpdate } from './schemas.ts';
import { AlpacaTradeStream } from './stream.ts';

export interface AlpacaSyncOptions {
  broker: AlpacaBroker;
  store: LedgerStore;
  logger: Logger;
  streamUrl: string;
  credentials: AlpacaCredentials;
  /** Poll (by reconciliation) this often while the stream is down. */
  pollIntervalMs: number;
  onRepaired?: ReconcileOptions['onRepaired'];
}

export interface AlpacaSync {
  stream: AlpacaTradeStream;
  /** Runs one reconciliation now (serialised with stream events). */
  reconcileNow(): Promise<ReconcileResult>;
  /** Waits for queued events and reconciliations. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps the ledger in step with Alpaca: fills and status changes from the trade_updates stream;
 * on each (re)connect, and every poll interval while the stream is down, a reconciliation
 * catches whatever the stream missed. Everything runs one at a time.
 */
export async function startAlpacaSync(options: AlpacaSyncOptions): Promise<AlpacaSync> {
  const { broker, store, logger } = options;
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => {});
    return next;
  };
  const reconcileNow = () =>
    enqueue(() => reconcile({ store, source: broker, logger, onRepaired: options.onRepaired }));
  const onUpdate = (update: AlpacaTradeUpdate) =>
    enqueue(async () => {
      const states = orderStates(update.order);
      const state = states[0]!;
      if ((update.event === 'fill' || update.event === 'partial_fill') && update.qty && update.price) {
        const executionId = update.execution_id ?? `${update.order.id}:${update.order.filled_qty}`;
        await store.transaction(async (tx) => {
          const recorded = await recordExecution(
            tx,
            broker.name,
            {
              brokerOrderId: update.order.id,
              clientOrderId: update.order.client_order_id,
              executionId,
              symbol: update.order.symbol,
              side: update.order.side,
              qty: update.qty!,
              price: update.price!,
              time: Date.parse(update.timestamp ?? update.order.filled_at ?? update.order.created_at),
              cumulativeFilledQty: update.order.filled_qty,
              positionQty: update.position_qty ?? 0,
            },
            state,
          );
          // The entry's legs change with it (held → new); record them when the entry is ours.
          if (states.length > 1) {
            await recordOrderStates(tx, broker.name, states.slice(1));
            if (update.position_qty) {
              const legId = (leg: string) => states.find((each) => each.leg === leg)?.clientOrderId ?? null;
              await setProtection(tx, broker.name, state.symbol, {
                stopClientOrderId: legId('stop_loss'),
                takeProfitClientOrderId: legId('take_profit'),
              });
            }
          }
          // A new fill of ours (not a replay): order.filled, and position.closed when back to flat.
          if (recorded) await publishLedgerFill(tx, broker.name, executionId);
        });
        return;
      }
      // Status changes of orders we know (a leg is known by its broker id). Every other event
      // (accepted, pending_new, new, pending_cancel, canceled, expired, pending_replace, replaced,
      // rejected, ...) maps through alpacaStatus; `replaced` of a bracket leg of ours is not its
      // end: the leg lives on as the replacing order, so its row follows the new id.
      await store.transaction(async (tx) => {
        const replacedBy = update.order.replaced_by;
        if (update.event === 'replaced' && replacedBy) {
          if (await followReplacedLeg(tx, broker.name, update.order.id, replacedBy)) return;
        }
        const known = await tx.query<{ client_order_id: string }>(reconcileSql.resolveClientOrderId(), [
          broker.name,
          update.order.id,
          update.order.client_order_id,
        ]);
        const clientOrderId = known.rows[0]?.client_order_id;
        if (!clientOrderId) return;
        const own = states.map((each, index) => (index === 0 ? { ...each, clientOrderId } : each));
        await recordOrderStates(tx, broker.name, own);
      });
    });
  let pollTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const startPolling = () => {
    // Closing the stream on stop reports a disconnect: that must not start polling again.
    if (pollTimer || stopped) return;
    pollTimer = setInterval(() => {
      reconcileNow().catch((error: unknown) => logger.warn({ err: error }, 'poll reconciliation failed'));
    }, options.pollIntervalMs);
  };
  const stopPolling = () => {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = undefined;
  };
  const stream = new AlpacaTradeStream({
    url: options.streamUrl,
    credentials: options.credentials,
    logger,
    onUpdate,
    onListening: () => {
      stopPolling();
      reconcileNow().catch((error: unknown) => logger.warn({ err: error }, 'catch-up reconciliation failed'));
    },
    onDisconnected: startPolling,
  });
  try {
    await stream.start();
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'trade stream unavailable: polling instead');
    startPolling();
  }
  return {
    stream,
    reconcileNow,
    idle: async () => {
      await stream.drain();
      await queue;
    },
    async stop() {
      stopped = true;
      stopPolling();
      await stream.stop();
      await queue;
    },
  };
}
