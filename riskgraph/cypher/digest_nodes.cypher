// A page of nodes for the canonical digest, in internal id order.
MATCH (n)
WHERE id(n) > $after
RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props
ORDER BY id
LIMIT $limit
