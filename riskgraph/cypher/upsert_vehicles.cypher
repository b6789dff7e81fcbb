UNWIND $rows AS r
MERGE (v:Vehicle {vehicle_id: r.key})
ON CREATE SET v.source_run = $run, v.first_seen = $now
SET v += r.props, v.by_reference = false, v.last_run = $run, v.last_seen = $now
FOREACH (t IN r.owners |
  MERGE (e:Enterprise {tax_code: t}) ON CREATE SET e.by_reference = true, e.source_run = $run, e.first_seen = $now
  MERGE (v)-[l:OWNED_BY]->(e) ON CREATE SET l.source_run = $run, l.first_seen = $now
  SET l.last_run = $run, l.last_seen = $now)
FOREACH (t IN r.operators |
  MERGE (e:Enterprise {tax_code: t}) ON CREATE SET e.by_reference = true, e.source_run = $run, e.first_seen = $now
  MERGE (v)-[l:OPERATED_BY]->(e) ON CREATE SET l.source_run = $run, l.first_seen = $now
  SET l.last_run = $run, l.last_seen = $now)
