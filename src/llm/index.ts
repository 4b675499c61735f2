export {
  type Admission,
  type BreakerSettings,
  type BreakerSnapshot,
  type BreakerState,
  type BreakerTransition,
  CircuitBreaker,
} from './breaker.ts';
export {
  ContaminatedWindowError,
  type Contamination,
  contaminationOf,
  cutoffBoundary,
  describeContamination,
  type ModelInUse,
  modelsInUse,
  trainingCutoffOf,
} from './contamination.ts';
export {
  isLlmError,
  isRequestRejection,
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
export { type ProbeOutcome, type ProbeResult, type ProbeSkill, probeRoutes } from './probe.ts';
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
  type RequestRejection,
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
export { llmSql } from './sql.ts';
export {
  type LlmStatus,
  type OpenRejection,
  type RouteStatus,
  readLlmStatus,
  readOpenRejections,
} from './state.ts';
export { extractJson, validateAnswer } from './structured.ts';
