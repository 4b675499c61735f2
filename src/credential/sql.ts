/** SQL of the operator credential (table operator_credential, one row). */
export const credentialSql = {
  read: () => 'SELECT label, record FROM operator_credential WHERE id = 1',
  /** Set-up: only when no credential exists yet (a second set-up changes nothing). */
  insert: () =>
    'INSERT INTO operator_credential (id, label, record) VALUES (1, $1, $2::jsonb) ON CONFLICT (id) DO NOTHING',
  readForUpdate: () => 'SELECT label, record FROM operator_credential WHERE id = 1 FOR UPDATE',
  rotate: () =>
    'UPDATE operator_credential SET label = $1, record = $2::jsonb, rotated_at = now() WHERE id = 1',
};
