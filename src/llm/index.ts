export {
  type Admission,
  type BreakerSettings,
  type BreakerSnapshot,
  type BreakerState,
  type BreakerTransition,
  CircuitBreaker,
} from './breaker.ts';
export {
  isLlmError,
  LlmAuthError,
  LlmBadRequestError,
  LlmConfigError,
  LlmError,
  LlmFailure,
  LlmOutputError,
  LlmProcessError,
  LlmRateLimitError,
  LlmReplayMissError,
  LlmServerError,
  LlmTimeoutError,
  LlmUsageLimitError,
  type RouteFailureReason,
} from './errors.ts';
export {
  type LedgerEntry,
  type LedgerSummaryRow,
  ledgerSummary,
  paidSpendToday,
  recordAttempt,
} from './ledger.ts';
export { costMicroUsd, type PriceTable, priceTable } from './prices.ts';
export { findCall, requestHash, type StoredCall } from './replay.ts';
export type {
  Billing,
  Route,
  RouteKind,
  RouteMessage,
  RouteRequest,
  RouteResponse,
  TokenUsage,
} from './route.ts';
export {
  type BusPublisher,
  createLlmRouter,
  type LlmFailed,
  type LlmRequest,
  type LlmResult,
  LlmRouter,
  type LlmRouterOptions,
  type LlmSuccess,
} from './router.ts';
export {
  createAnthropicRoute,
  createClaudeCliRoute,
  createCodexCliRoute,
  createGeminiRoute,
  createOpenAiCompatibleRoute,
  createOpenAiRoute,
  createRoute,
} from './routes/index.ts';
export { type LlmStatus, type RouteStatus, readLlmStatus } from './state.ts';
export { extractJson, validateAnswer } from './structured.ts';
