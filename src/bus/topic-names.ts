/**
 * The catalog's topic names, free of imports so the web console can import the types alone.
 * Schemas, legacy names and the publish check are in topics.ts.
 */
export const topics = {
  systemStarted: 'system.started',
  systemStopped: 'system.stopped',
  systemResumed: 'system.resumed',
  brainFlattened: 'brain.flattened',
  skillsReloaded: 'skills.reloaded',
  skillsInvalid: 'skills.invalid',

  cycleStarted: 'cycle.started',
  cycleSkipped: 'cycle.skipped',
  cycleError: 'cycle.error',
  cycleCompleted: 'cycle.completed',
  screenResult: 'screen.result',
  screenPremarket: 'screen.premarket',
  regimeStance: 'regime.stance',
  strategistProposal: 'strategist.proposal',
  /**
   * SHADOW: a challenger skill's answer on the champion's exact inputs. Never read by the signers,
   * the executor or the broker; only the optimizer's champion/challenger comparison reads it.
   */
  strategistShadow: 'strategist.shadow',
  signaturesCollected: 'signatures.collected',
  macroStance: 'macro.stance',
  macroView: 'macro.view',
  /** The CEO's budget for the day: once per trading day, in the day's first cycle. */
  ceoDirective: 'ceo.directive',
  /** The day's budget as one cycle applies it (causation: the day's `ceo.directive`). */
  ceoBudget: 'ceo.budget',

  orderIntent: 'order.intent',
  orderBlocked: 'order.blocked',
  orderFailed: 'order.failed',
  orderNotSent: 'order.not_sent',
  orderSubmitted: 'order.submitted',
  /** Every fill, on every venue and in both backtests. */
  orderFilled: 'order.filled',
  orderCancelled: 'order.cancelled',
  orderRejected: 'order.rejected',
  /** Every round trip (flat → position → flat), on every venue and in both backtests. */
  positionClosed: 'position.closed',

  executorOrder: 'executor.order',
  executorSkipped: 'executor.skipped',
  backtestStarted: 'backtest.started',
  backtestCompleted: 'backtest.completed',

  monitorReconciled: 'monitor.reconciled',
  monitorExited: 'monitor.exited',
  monitorStopReattached: 'monitor.stop_reattached',
  monitorStopMoved: 'monitor.stop_moved',
  monitorUnprotected: 'monitor.unprotected',
  brokerReconciled: 'broker.reconciled',
  brokerUnexplainedPosition: 'broker.unexplained_position',
  mt5BarsConflicting: 'mt5.bars_conflicting',

  /** Every operator command from a chat (Telegram): who, from which chat, allowed or ignored. */
  operatorCommand: 'operator.command',
  /** An operator's confirmed request to close one position; the brain's session executes it. */
  operatorExitRequested: 'operator.exit_requested',
  haltRaised: 'halt.raised',
  haltResumed: 'halt.resumed',
  watchdogStopReattached: 'watchdog.stop_reattached',
  watchdogFlattened: 'watchdog.flattened',

  llmBreaker: 'llm.breaker',
  llmFailover: 'llm.failover',
  llmBudget: 'llm.budget',
  llmRequestRejected: 'llm.request_rejected',

  optimizerReport: 'optimizer.report',
  busParked: 'bus.parked',
} as const;

export type TopicKey = keyof typeof topics;
export type TopicName = (typeof topics)[TopicKey];
