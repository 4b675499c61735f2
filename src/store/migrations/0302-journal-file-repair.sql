-- A live decision's journal file is placed without a flush on the cycle's path; its row carries
-- the entry's markdown and the context folder it was written under, so a file a crash lost or
-- tore is written again from the row at the next start (journal/repair.ts). Rows whose file was
-- flushed before the call returned (every other writer, and every row before this migration)
-- leave both null.
ALTER TABLE agent_journal ADD COLUMN markdown text, ADD COLUMN file_root text;

-- Per context folder: every row with markdown up to this id has its file flushed to disk (the
-- mark only moves forward). The start-up repair reads the rows after it, and only those.
CREATE TABLE journal_file_mark (
  root text PRIMARY KEY,
  flushed_through bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
