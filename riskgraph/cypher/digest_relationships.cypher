// Relationships leaving the nodes whose internal ids are in [$lo, $hi), for the canonical
// digest: each relationship is read once, from its source, by an id seek and a traversal.
MATCH (a)
WHERE id(a) >= $lo AND id(a) < $hi
MATCH (a)-[r]->(b)
RETURN type(r) AS type, id(a) AS source, id(b) AS target, properties(r) AS props
