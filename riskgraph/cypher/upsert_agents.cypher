UNWIND $rows AS r
MERGE (a:Agent {agent_code: r.key})
ON CREATE SET a.source_run = $run, a.first_seen = $now
SET a += r.props, a.by_reference = false, a.last_run = $run, a.last_seen = $now
MERGE (e:Enterprise {tax_code: r.tax_code})
ON CREATE SET e.by_reference = true, e.source_run = $run, e.first_seen = $now
MERGE (a)-[l:REGISTERED_AS]->(e)
ON CREATE SET l.source_run = $run, l.first_seen = $now
SET l.last_run = $run, l.last_seen = $now
