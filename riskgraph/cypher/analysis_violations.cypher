// Decided violations up to $until (ISO date) with their subject (internal id and key).
MATCH (v:Violation)-[:AGAINST]->(s)
WHERE v.decided_on <= $until
RETURN v.violation_id AS id, v.kind AS kind, v.severity AS severity, v.decided_on AS decided_on,
       id(s) AS node, labels(s)[0] AS label, coalesce(s.tax_code, s.person_id, s.agent_code, s.vehicle_id) AS subject
ORDER BY id
