// One step of a link-chart walk through trade, declarations collapsed: the parties that
// share declarations with node $node (internal id) among its $recent newest, a trader's
// agents, declarants, vehicles, warehouses and partners, or a party's traders. One row
// per party and link type, with how many declarations and the first and last dates.
MATCH (n) WHERE id(n) = $node
MATCH (n)<-[a:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER]-(d:Declaration)
WITH n, d, type(a) AS side
ORDER BY d.registered_on DESC
LIMIT $recent
MATCH (d)-[b:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER]->(m)
WHERE m <> n AND ((side = 'FOR_TRADER' AND type(b) IN $parties) OR (type(b) = 'FOR_TRADER' AND side IN $parties))
WITH n, m, CASE side WHEN 'FOR_TRADER' THEN type(b) ELSE side END AS link, side = 'FOR_TRADER' AS trader,
     count(d) AS declarations, min(d.registered_on) AS first, max(d.registered_on) AS last
RETURN id(m) AS node, labels(m)[0] AS label,
       coalesce(m.tax_code, m.person_id, m.agent_code, m.vehicle_id, m.number, m.address, m.key, m.account, m.partner_key) AS key,
       coalesce(m.name, m.full_name) AS name, link, trader, declarations, first, last
