// Links of new or changed declarations to trader, agent, declarant, vehicles, warehouse
// and partner. A party no file has described is created with its key alone
// (by_reference = true): a trader that files but was never registered is worth a look.
UNWIND $rows AS r
MATCH (d:Declaration {declaration_no: r.key})
MERGE (t:Enterprise {tax_code: r.trader}) ON CREATE SET t.by_reference = true, t.source_run = $run, t.first_seen = $now
CREATE (d)-[:FOR_TRADER {source_run: $run, first_seen: $now}]->(t)
FOREACH (k IN r.agents |
  MERGE (x:Agent {agent_code: k}) ON CREATE SET x.by_reference = true, x.source_run = $run, x.first_seen = $now
  CREATE (d)-[:FILED_BY_AGENT {source_run: $run, first_seen: $now}]->(x))
FOREACH (k IN r.declarants |
  MERGE (x:Person {person_id: k}) ON CREATE SET x.by_reference = true, x.source_run = $run, x.first_seen = $now
  CREATE (d)-[:FILED_BY_DECLARANT {source_run: $run, first_seen: $now}]->(x))
FOREACH (k IN r.vehicles |
  MERGE (x:Vehicle {vehicle_id: k}) ON CREATE SET x.by_reference = true, x.source_run = $run, x.first_seen = $now
  CREATE (d)-[:CARRIED_BY {source_run: $run, first_seen: $now}]->(x))
FOREACH (k IN r.warehouses |
  MERGE (x:Enterprise {tax_code: k}) ON CREATE SET x.by_reference = true, x.source_run = $run, x.first_seen = $now
  CREATE (d)-[:STORED_AT {source_run: $run, first_seen: $now}]->(x))
FOREACH (p IN r.partners |
  MERGE (x:Partner {partner_key: p.key})
  ON CREATE SET x.name = p.name, x.country = p.country, x.source_run = $run, x.first_seen = $now
  CREATE (d)-[:WITH_PARTNER {source_run: $run, first_seen: $now}]->(x))
SET d.row_hash = r.row_hash
