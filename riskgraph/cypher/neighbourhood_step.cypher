// One step of a breadth-first walk for a link chart: the relationships of the frontier
// nodes (by internal id) and the nodes at their other end, at most $limit of them.
UNWIND $frontier AS f
MATCH (n)-[r]-(m) WHERE id(n) = f
RETURN id(startNode(r)) AS source, id(endNode(r)) AS target, type(r) AS type, properties(r) AS facts,
       id(m) AS node, labels(m)[0] AS label,
       coalesce(m.tax_code, m.person_id, m.agent_code, m.vehicle_id, m.declaration_no, m.number, m.address, m.key,
                m.account, m.partner_key, m.violation_id, m.report_id) AS key,
       coalesce(m.name, m.full_name) AS name
LIMIT $limit
