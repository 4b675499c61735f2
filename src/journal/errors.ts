import { SignetError } from '../errors/index.ts';

/** A journal path given by a caller (CLI, console, API) that is not a journal entry path. */
export class JournalPathError extends SignetError {
  constructor(requested: string, reason: string) {
    super(`journal path "${requested}" refused: ${reason}`, {
      code: 'journal_path_refused',
      fault: 'user',
      fix: 'use a path as listed by the journal, e.g. journal/2026-11-21/14-30-05-AAPL-vetoed.md',
      details: { requested, reason },
    });
  }
}

export class JournalNotFoundError extends SignetError {
  constructor(requested: string) {
    super(`journal entry "${requested}" does not exist`, {
      code: 'journal_not_found',
      fault: 'user',
      fix: 'list the day with the journal reader to see which entries exist',
      details: { requested },
    });
  }
}

/** The markdown file could not be written; nothing was renamed into place. */
export class JournalWriteError extends SignetError {
  constructor(target: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(`cannot write journal file ${target}${code ? ` (${code})` : ''}`, {
      code: 'journal_write_failed',
      fault: 'system',
      isRetryable: code === 'EAGAIN' || code === 'EBUSY' || code === 'EMFILE',
      fix: 'check that the context folder exists, is writable and has free space',
      cause,
      details: { target, errno: code ?? null },
    });
  }
}
