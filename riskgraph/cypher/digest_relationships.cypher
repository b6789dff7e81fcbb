// A page of relationships for the canonical digest, in internal id order.
MATCH (a)-[r]->(b)
WHERE id(r) > $after
RETURN id(r) AS id, type(r) AS type, id(a) AS source, id(b) AS target, properties(r) AS props
ORDER BY id
LIMIT $limit
