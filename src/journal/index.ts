export { DeferredJournal } from './deferred.ts';
export { JournalNotFoundError, JournalPathError, JournalWriteError } from './errors.ts';
export { flushJournalFiles, writeJournalEntryFlushedBehind } from './flush-behind.ts';
export {
  type OperatorLineInput,
  operatorLineSchema,
  renderOperatorLine,
  writeOperatorLine,
} from './operator-log.ts';
export { entryLocation, journalFolder, operatorLogName, parseEntryName, sanitizeSymbol } from './paths.ts';
export { type JournalDocument, type JournalListing, listJournal, readJournalEntry } from './reader.ts';
export { type JournalResolution, renderJournalMarkdown, renderResolution } from './render.ts';
export { type JournalRepairReport, repairJournalFiles } from './repair.ts';
export {
  type BrokerAction,
  brokerActionSchema,
  type DecidedBy,
  decidedByValues,
  type JournalEntry,
  type JournalEntryInput,
  type JournalOutcome,
  journalEntrySchema,
  journalOutcomes,
} from './schema.ts';
export { journalSql } from './sql.ts';
export {
  appendJournalResolution,
  type JournalWriteOptions,
  type WrittenJournalEntry,
  writeJournalEntry,
} from './writer.ts';
