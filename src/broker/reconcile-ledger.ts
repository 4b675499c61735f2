/**
 * The ledger (src/ledger) owns these now; re-exported so the broker adapters' imports and the
 * broker surface keep their names.
 */
export {
  type BrokerExecution,
  type BrokerOrderState,
  explainedSymbols,
  recordExecution,
  recordOrderIntent,
  recordOrderStates,
} from '../ledger/index.ts';
