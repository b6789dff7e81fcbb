// Declarations whose row changed: the row is the whole truth about the declaration, so
// its properties are replaced and its links dropped, to be made again by declarations_link.
UNWIND $rows AS r
MATCH (d:Declaration {declaration_no: r.key})
OPTIONAL MATCH (d)-[old:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER]->()
DELETE old
WITH DISTINCT d, r, d.source_run AS source_run, d.first_seen AS first_seen
SET d = r.props
SET d.declaration_no = r.key, d.source_run = source_run, d.first_seen = first_seen,
    d.last_run = $run, d.last_seen = $now
