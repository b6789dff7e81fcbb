// Roles over time around one node (by internal id): the people of an enterprise, or the
// enterprises of a person; owners and operators of a vehicle; an agent's own enterprise.
MATCH (n) WHERE id(n) = $node
MATCH (n)-[r:HOLDS_ROLE|OWNED_BY|OPERATED_BY|REGISTERED_AS]-(m)
RETURN type(r) AS type, r.role AS role, r.since AS since, r.until AS until, r.share_pct AS share_pct,
       startNode(r) = n AS outgoing, labels(m)[0] AS label,
       coalesce(m.tax_code, m.person_id, m.agent_code, m.vehicle_id) AS id, coalesce(m.name, m.full_name) AS name
ORDER BY coalesce(r.since, '') DESC, id
LIMIT $limit
