// Entities that took part in the same declarations as one node (trader, agent, declarant,
// vehicle, warehouse), over its latest $declarations declarations since a date.
// Walked from the node, the date filtered after (see dossier_trade). Grouped by node
// first: grouping 10,000s of rows on computed keys costs the server twice as much.
MATCH (n) WHERE id(n) = $node
MATCH (n)<-[:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT]-(d)
WITH d
WHERE d.registered_on >= $since
WITH d ORDER BY d.registered_on DESC LIMIT $declarations
MATCH (d)-[r:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT]->(m)
WHERE id(m) <> $node
WITH m, type(r) AS link, count(*) AS weight
WITH m, collect(link) AS links, sum(weight) AS weight
RETURN labels(m)[0] AS label, coalesce(m.tax_code, m.person_id, m.agent_code, m.vehicle_id) AS id,
       links, toInteger(weight) AS weight
ORDER BY weight DESC, id
LIMIT $limit
