// A page of customs agents for the analysis projection, with their own enterprise.
MATCH (a:Agent)
WHERE a.agent_code > $after
WITH a ORDER BY a.agent_code LIMIT $limit
RETURN a.agent_code AS id, coalesce(a.by_reference, false) AS by_reference,
       [(a)-[:REGISTERED_AS]->(e:Enterprise) | e.tax_code] AS firms
ORDER BY id
