// Phones, e-mails, addresses and bank accounts declared by the enterprises and persons
// whose internal ids are in [$lo, $hi): the shared identifiers of the risk graph.
// Labelled sources, one MATCH for the ids and one for the links: FalkorDB's fastest plan.
MATCH (h:Enterprise)
WHERE id(h) >= $lo AND id(h) < $hi
MATCH (h)-[r:HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT]->(x)
RETURN id(h) AS source, id(x) AS target, type(r) AS link
UNION ALL
MATCH (h:Person)
WHERE id(h) >= $lo AND id(h) < $hi
MATCH (h)-[r:HAS_PHONE|HAS_EMAIL|LOCATED_AT]->(x)
RETURN id(h) AS source, id(x) AS target, type(r) AS link
