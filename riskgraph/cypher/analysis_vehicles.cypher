// A page of vehicles for the analysis projection, with owners and operators.
MATCH (v:Vehicle)
WHERE v.vehicle_id > $after
WITH v ORDER BY v.vehicle_id LIMIT $limit
RETURN v.vehicle_id AS id, v.kind AS kind, coalesce(v.by_reference, false) AS by_reference,
       [(v)-[:OWNED_BY]->(e:Enterprise) | e.tax_code] AS owners,
       [(v)-[:OPERATED_BY]->(e:Enterprise) | e.tax_code] AS operators
ORDER BY id
