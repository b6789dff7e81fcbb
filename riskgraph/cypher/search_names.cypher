// Every entity's kind, key and display name: what the search index is built from.
MATCH (n:Enterprise) RETURN 'enterprise' AS kind, n.tax_code AS key, n.name AS name
UNION ALL
MATCH (n:Person) RETURN 'person' AS kind, n.person_id AS key, n.full_name AS name
UNION ALL
MATCH (n:Agent) OPTIONAL MATCH (n)-[:REGISTERED_AS]->(e:Enterprise) RETURN 'agent' AS kind, n.agent_code AS key, e.name AS name
UNION ALL
MATCH (n:Vehicle) RETURN 'vehicle' AS kind, n.vehicle_id AS key, NULL AS name
