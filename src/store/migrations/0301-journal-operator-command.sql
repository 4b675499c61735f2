-- A chat command (Telegram) is journaled as one row with outcome 'command': one line per command
-- in the day's operator log, journal/<day>/operator.md (src/journal/operator-log.ts), so the
-- decision entries stay one file each and the day's listing stays readable.
ALTER TABLE agent_journal DROP CONSTRAINT agent_journal_outcome_check;
ALTER TABLE agent_journal ADD CONSTRAINT agent_journal_outcome_check
  CHECK (outcome IN ('proposed', 'no_trade', 'vetoed', 'signed', 'executed', 'rejected', 'exited', 'halted', 'resumed', 'reconciled', 'error', 'command'));
