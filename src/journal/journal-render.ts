/**
 * What the journal placer's thread imports to render a backtest's entries (placer.ts): the
 * renderer alone. The compiled CLI has it as dist/cli/journal-render.js, an entry point of its
 * own (scripts/cli-build-options.mjs).
 */
export { renderJournalMarkdown } from './render.ts';
