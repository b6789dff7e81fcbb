// Intelligence reports received up to $until (ISO date) with their subject and grade.
MATCH (i:Intel)-[:ABOUT]->(s)
WHERE i.received_on <= $until
RETURN i.report_id AS id, i.reliability AS reliability, i.credibility AS credibility,
       i.received_on AS received_on, i.source_kind AS source_kind,
       id(s) AS node, labels(s)[0] AS label, coalesce(s.tax_code, s.person_id, s.agent_code, s.vehicle_id) AS subject
ORDER BY id
