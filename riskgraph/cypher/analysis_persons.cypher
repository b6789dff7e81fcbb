// A page of persons for the analysis projection, with their identifiers and the roles
// they hold: [tax_code, role, since, until, share_pct].
MATCH (p:Person)
WHERE p.person_id > $after
WITH p ORDER BY p.person_id LIMIT $limit
RETURN p.person_id AS id, p.full_name AS name, coalesce(p.by_reference, false) AS by_reference,
       [(p)-[:HAS_PHONE]->(x:Phone) | x.number] AS phones,
       [(p)-[:HAS_EMAIL]->(x:Email) | x.address] AS emails,
       [(p)-[:LOCATED_AT]->(x:Address) | x.key] AS addresses,
       [(p)-[r:HOLDS_ROLE]->(e:Enterprise) | [e.tax_code, r.role, r.since, r.until, r.share_pct]] AS roles
ORDER BY id
