// Identity of entities by natural key, one list per kind: node id, name, and the
// properties the API shows (only those: replies of all properties cost the most to decode).
UNWIND $enterprises AS k
MATCH (n:Enterprise {tax_code: k})
RETURN 'enterprise' AS kind, k AS id, id(n) AS node, n.name AS name, n {.status, .province, .registered_on, .activities, .nationality, .kind, .country, .by_reference} AS props
UNION ALL
UNWIND $persons AS k
MATCH (n:Person {person_id: k})
RETURN 'person' AS kind, k AS id, id(n) AS node, n.full_name AS name, n {.status, .province, .registered_on, .activities, .nationality, .kind, .country, .by_reference} AS props
UNION ALL
UNWIND $agents AS k
MATCH (n:Agent {agent_code: k})
OPTIONAL MATCH (n)-[:REGISTERED_AS]->(e:Enterprise)
RETURN 'agent' AS kind, k AS id, id(n) AS node, e.name AS name, n {.status, .province, .registered_on, .activities, .nationality, .kind, .country, .by_reference} AS props
UNION ALL
UNWIND $vehicles AS k
MATCH (n:Vehicle {vehicle_id: k})
RETURN 'vehicle' AS kind, k AS id, id(n) AS node, n.vehicle_id AS name, n {.status, .province, .registered_on, .activities, .nationality, .kind, .country, .by_reference} AS props
