// Intelligence reports, Admiralty graded, linked to their subject.
UNWIND $rows AS r
MERGE (i:Intel {report_id: r.key})
ON CREATE SET i.source_run = $run, i.first_seen = $now
SET i += r.props, i.last_run = $run, i.last_seen = $now
WITH i, r
OPTIONAL MATCH (i)-[old:ABOUT]->()
DELETE old
WITH DISTINCT i, r
FOREACH (k IN CASE WHEN r.subject_kind = 'enterprise' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Enterprise {tax_code: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (i)-[:ABOUT {source_run: $run, first_seen: $now}]->(s))
FOREACH (k IN CASE WHEN r.subject_kind = 'person' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Person {person_id: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (i)-[:ABOUT {source_run: $run, first_seen: $now}]->(s))
FOREACH (k IN CASE WHEN r.subject_kind = 'agent' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Agent {agent_code: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (i)-[:ABOUT {source_run: $run, first_seen: $now}]->(s))
FOREACH (k IN CASE WHEN r.subject_kind = 'vehicle' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Vehicle {vehicle_id: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (i)-[:ABOUT {source_run: $run, first_seen: $now}]->(s))
