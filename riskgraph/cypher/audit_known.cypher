// Which of the entry ids $ids the audit log holds already.
UNWIND $ids AS id
MATCH (a:AuditEntry {entry_id: id})
RETURN a.entry_id AS entry_id
