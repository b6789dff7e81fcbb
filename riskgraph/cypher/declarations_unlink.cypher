// Declarations whose row changed: the row is the whole truth about the declaration, so
// its links are dropped (declarations_link makes them again) and every property is
// rewritten; r.props names every declaration property, null for the empty ones, which
// removes them. row_hash goes until declarations_link sets it.
UNWIND $rows AS r
MATCH (d:Declaration {declaration_no: r.key})
OPTIONAL MATCH (d)-[old:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER]->()
DELETE old
WITH DISTINCT d, r
SET d += r.props, d.row_hash = null, d.by_reference = null, d.last_run = $run, d.last_seen = $now
