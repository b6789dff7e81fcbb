// Audit entries kept in the main graph by versions before the audit graph, to be copied
// into it (read only: no entry is ever changed or deleted).
MATCH (a:AuditEntry)
RETURN a.entry_id AS entry_id, a.at AS at, a.key_id AS key_id, a.key_name AS key_name, a.role AS role,
       a.operation AS operation, a.arguments AS arguments, a.result_size AS result_size, a.outcome AS outcome
