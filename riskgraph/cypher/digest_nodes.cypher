// Nodes whose internal ids are in [$lo, $hi), for the canonical digest. FalkorDB seeks
// by id range, so a page costs its own size (a LIMIT after ORDER BY scanned every node).
MATCH (n)
WHERE id(n) >= $lo AND id(n) < $hi
RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props
