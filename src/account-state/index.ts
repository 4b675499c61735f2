export {
  type AccountSnapshot,
  accountSnapshotSchema,
  accountStateKey,
  accountStatePrefix,
  legacyAccountStateKey,
  parseAccountStateKey,
  readAccountSnapshot,
  readAccountState,
  type StoredAccountState,
  writeAccountState,
} from './account-state.ts';
