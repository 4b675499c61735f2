import { z } from 'zod';
import { JournalNotFoundError, JournalPathError } from '../journal/index.ts';
import type { OperatorService } from '../operator/index.ts';
import { isoDay, problem, type RouteTable } from './validation.ts';

/** GET /journal/days, /journal, /journal/entry: the decision journal's markdown files. */
export function registerJournalRoutes(table: RouteTable, operator: OperatorService): void {
  table.add(
    { method: 'GET', url: '/journal/days', summary: 'Days that have journal entries, newest first' },
    async () => ({ days: await operator.journalDays() }),
  );

  table.add(
    {
      method: 'GET',
      url: '/journal',
      summary: 'Journal entries of one UTC day; `q` keeps entries whose text contains it',
      query: z.strictObject({ day: isoDay, q: z.string().min(1).max(200).optional() }),
    },
    async ({ query, reply }) => {
      try {
        return { day: query.day, entries: await operator.journalEntries(query.day, query.q) };
      } catch (error) {
        if (error instanceof JournalPathError)
          return reply.code(400).send(problem('invalid_request', `query.day: ${error.message}`));
        throw error;
      }
    },
  );

  table.add(
    {
      method: 'GET',
      url: '/journal/entry',
      summary: 'One journal entry (markdown and its front matter) by its listed path',
      query: z.strictObject({ path: z.string().min(1).max(512) }),
    },
    async ({ query, reply }) => {
      try {
        return await operator.journalEntry(query.path);
      } catch (error) {
        if (error instanceof JournalPathError)
          return reply.code(400).send(problem('invalid_request', `query.path: ${error.message}`, error.fix));
        if (error instanceof JournalNotFoundError || (error as NodeJS.ErrnoException).code === 'ENOENT')
          return reply.code(404).send(problem('not_found', `journal entry ${query.path} does not exist`));
        throw error;
      }
    },
  );
}
