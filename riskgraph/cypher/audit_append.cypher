// One audited API call. The audit log is append-only: no query updates or deletes it.
CREATE (:AuditEntry {entry_id: $entry_id, at: $at, key_id: $key_id, key_name: $key_name, role: $role,
                     operation: $operation, arguments: $arguments, result_size: $result_size, outcome: $outcome})
