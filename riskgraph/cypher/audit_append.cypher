// Audited API calls, one entry per row. The audit log is append-only: no query updates
// or deletes it.
UNWIND $rows AS e
CREATE (:AuditEntry {entry_id: e.entry_id, at: e.at, key_id: e.key_id, key_name: e.key_name, role: e.role,
                     operation: e.operation, arguments: e.arguments, result_size: e.result_size, outcome: e.outcome})
