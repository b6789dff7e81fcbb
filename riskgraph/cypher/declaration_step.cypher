// One step of a link-chart walk through declarations themselves, asked for by name: the
// declaration links of the frontier nodes (internal ids). A node with more than $hub of
// them is a hub (a trader with thousands of declarations): counted, not expanded, unless
// it is one of $open. At most $limit rows.
UNWIND $frontier AS f
MATCH (n) WHERE id(n) = f
OPTIONAL MATCH (n)-[c:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER|CONCERNS]-()
WITH n, count(c) AS degree
OPTIONAL MATCH (n)-[r:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER|CONCERNS]-(m)
WHERE degree <= $hub OR id(n) IN $open
RETURN id(n) AS from, degree, id(startNode(r)) AS source, id(endNode(r)) AS target, type(r) AS type, properties(r) AS facts,
       id(m) AS node, labels(m)[0] AS label,
       coalesce(m.tax_code, m.person_id, m.agent_code, m.vehicle_id, m.declaration_no, m.number, m.address, m.key,
                m.account, m.partner_key, m.violation_id, m.report_id) AS key,
       coalesce(m.name, m.full_name) AS name
LIMIT $limit
