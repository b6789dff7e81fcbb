// Decided violations, linked to their subject (created by reference if unknown) and to
// the declaration concerned. Labels cannot be parameters, hence one branch per kind.
UNWIND $rows AS r
MERGE (v:Violation {violation_id: r.key})
ON CREATE SET v.source_run = $run, v.first_seen = $now
SET v += r.props, v.last_run = $run, v.last_seen = $now
WITH v, r
OPTIONAL MATCH (v)-[old:AGAINST|CONCERNS]->()
DELETE old
WITH DISTINCT v, r
FOREACH (k IN CASE WHEN r.subject_kind = 'enterprise' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Enterprise {tax_code: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (v)-[:AGAINST {source_run: $run, first_seen: $now}]->(s))
FOREACH (k IN CASE WHEN r.subject_kind = 'person' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Person {person_id: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (v)-[:AGAINST {source_run: $run, first_seen: $now}]->(s))
FOREACH (k IN CASE WHEN r.subject_kind = 'agent' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Agent {agent_code: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (v)-[:AGAINST {source_run: $run, first_seen: $now}]->(s))
FOREACH (k IN CASE WHEN r.subject_kind = 'vehicle' THEN [r.subject_id] ELSE [] END |
  MERGE (s:Vehicle {vehicle_id: k}) ON CREATE SET s.by_reference = true, s.source_run = $run, s.first_seen = $now
  CREATE (v)-[:AGAINST {source_run: $run, first_seen: $now}]->(s))
FOREACH (k IN r.declarations |
  MERGE (d:Declaration {declaration_no: k}) ON CREATE SET d.by_reference = true, d.source_run = $run, d.first_seen = $now
  CREATE (v)-[:CONCERNS {source_run: $run, first_seen: $now}]->(d))
