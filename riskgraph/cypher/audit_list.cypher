// The audit log, newest first, optionally of one key or one operation, from an entry id down.
MATCH (a:AuditEntry)
WHERE ($key_name IS NULL OR a.key_name = $key_name) AND ($operation IS NULL OR a.operation = $operation)
  AND ($before IS NULL OR a.entry_id < $before)
RETURN a.entry_id AS entry_id, a.at AS at, a.key_id AS key_id, a.key_name AS key_name, a.role AS role,
       a.operation AS operation, a.arguments AS arguments, a.result_size AS result_size, a.outcome AS outcome
ORDER BY a.entry_id DESC
LIMIT $limit
