-- The operator's resume credential: a salted scrypt hash of the operator token, written once at
-- set-up (the brain's first start or `signet operator set-up`) and only replaced by a rotation
-- that proves the old token. `signet resume` and /api/v1/resume verify against this row (and its
-- 0600 copy under the data folder), never against the caller's environment. One row.
CREATE TABLE operator_credential (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
  record jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz
);
