// Roles held, agents' own firms and vehicles' owners and operators, for sources whose
// internal ids are in [$lo, $hi). The relationship is named so that FalkorDB returns
// one row per role, not one per pair.
MATCH (h:Person)
WHERE id(h) >= $lo AND id(h) < $hi
MATCH (h)-[r:HOLDS_ROLE]->(x:Enterprise)
RETURN id(h) AS source, id(x) AS target, r.role AS role, r.since AS since, r.until AS until
UNION ALL
MATCH (h:Agent)
WHERE id(h) >= $lo AND id(h) < $hi
MATCH (h)-[r:REGISTERED_AS]->(x:Enterprise)
RETURN id(h) AS source, id(x) AS target, 'agent_firm' AS role, null AS since, null AS until
UNION ALL
MATCH (h:Vehicle)
WHERE id(h) >= $lo AND id(h) < $hi
MATCH (h)-[r:OWNED_BY|OPERATED_BY]->(x:Enterprise)
RETURN id(h) AS source, id(x) AS target, 'vehicle_owner' AS role, null AS since, null AS until
