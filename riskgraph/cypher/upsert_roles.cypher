// Person -[HOLDS_ROLE]-> Enterprise, keyed by role|since. Unknown people or firms are
// created with their key alone and marked as known only by reference.
UNWIND $rows AS r
MERGE (p:Person {person_id: r.person_id})
ON CREATE SET p.by_reference = true, p.source_run = $run, p.first_seen = $now
MERGE (e:Enterprise {tax_code: r.tax_code})
ON CREATE SET e.by_reference = true, e.source_run = $run, e.first_seen = $now
MERGE (p)-[l:HOLDS_ROLE {key: r.key}]->(e)
ON CREATE SET l.source_run = $run, l.first_seen = $now
SET l += r.props, l.last_run = $run, l.last_seen = $now
