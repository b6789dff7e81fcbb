// One row per person, with shared identifier nodes as for enterprises.
UNWIND $rows AS r
MERGE (h:Person {person_id: r.key})
ON CREATE SET h.source_run = $run, h.first_seen = $now
SET h += r.props, h.by_reference = false, h.last_run = $run, h.last_seen = $now
FOREACH (v IN r.phones |
  MERGE (x:Phone {number: v}) ON CREATE SET x.source_run = $run, x.first_seen = $now
  SET x.last_run = $run, x.last_seen = $now
  MERGE (h)-[l:HAS_PHONE]->(x) ON CREATE SET l.source_run = $run, l.first_seen = $now
  SET l.last_run = $run, l.last_seen = $now)
FOREACH (v IN r.emails |
  MERGE (x:Email {address: v}) ON CREATE SET x.source_run = $run, x.first_seen = $now
  SET x.last_run = $run, x.last_seen = $now
  MERGE (h)-[l:HAS_EMAIL]->(x) ON CREATE SET l.source_run = $run, l.first_seen = $now
  SET l.last_run = $run, l.last_seen = $now)
FOREACH (a IN r.addresses |
  MERGE (x:Address {key: a.key}) ON CREATE SET x.text = a.text, x.source_run = $run, x.first_seen = $now
  SET x.last_run = $run, x.last_seen = $now
  MERGE (h)-[l:LOCATED_AT]->(x) ON CREATE SET l.source_run = $run, l.first_seen = $now
  SET l.text = a.text, l.last_run = $run, l.last_seen = $now)
