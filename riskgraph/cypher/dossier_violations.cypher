// Decided violations against one node, newest first.
MATCH (n) WHERE id(n) = $node
MATCH (v:Violation)-[:AGAINST]->(n)
OPTIONAL MATCH (v)-[:CONCERNS]->(d:Declaration)
RETURN v.violation_id AS violation_id, v.kind AS kind, v.decided_on AS decided_on, v.severity AS severity,
       v.penalty_vnd AS penalty_vnd, v.back_tax_vnd AS back_tax_vnd, v.detected_by AS detected_by,
       collect(d.declaration_no) AS declarations
ORDER BY decided_on DESC
LIMIT $limit
