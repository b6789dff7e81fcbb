// One step of a link-chart walk over the links an investigator follows (people,
// identifiers, agents, vehicles, cases): the links of the frontier nodes (internal ids)
// of the types in $types. A node with more than $hub of them is a hub: counted, not
// expanded, unless it is one of $open (the walk's own ends). At most $limit rows.
UNWIND $frontier AS f
MATCH (n) WHERE id(n) = f
OPTIONAL MATCH (n)-[c:HOLDS_ROLE|REGISTERED_AS|OWNED_BY|OPERATED_BY|HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT|AGAINST|ABOUT]-()
WHERE type(c) IN $types
WITH n, count(c) AS degree
OPTIONAL MATCH (n)-[r:HOLDS_ROLE|REGISTERED_AS|OWNED_BY|OPERATED_BY|HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT|AGAINST|ABOUT]-(m)
WHERE type(r) IN $types AND (degree <= $hub OR id(n) IN $open)
RETURN id(n) AS from, degree, id(startNode(r)) AS source, id(endNode(r)) AS target, type(r) AS type, properties(r) AS facts,
       id(m) AS node, labels(m)[0] AS label,
       coalesce(m.tax_code, m.person_id, m.agent_code, m.vehicle_id, m.declaration_no, m.number, m.address, m.key,
                m.account, m.partner_key, m.violation_id, m.report_id) AS key,
       coalesce(m.name, m.full_name) AS name
LIMIT $limit
