// Shortest paths between two nodes (by internal id) over every relationship type, up to
// six hops; each node with its label, key and name, each hop with its facts.
MATCH (a) WHERE id(a) = $source
MATCH (b) WHERE id(b) = $target
WITH a, b
MATCH p = allShortestPaths((a)-[*..6]-(b))
WITH p WHERE length(p) <= $max_hops
WITH p LIMIT $limit
RETURN [n IN nodes(p) | [id(n), labels(n)[0],
          coalesce(n.tax_code, n.person_id, n.agent_code, n.vehicle_id, n.declaration_no, n.number, n.address, n.key,
                   n.account, n.partner_key, n.violation_id, n.report_id),
          coalesce(n.name, n.full_name)]] AS nodes,
       [r IN relationships(p) | [id(startNode(r)), id(endNode(r)), type(r), properties(r)]] AS edges
