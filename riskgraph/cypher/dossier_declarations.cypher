// The declarations one node takes part in (as trader, agent, declarant, vehicle or
// warehouse) on or after a date, newest first: rows for the trade summary.
MATCH (n) WHERE id(n) = $node
MATCH (d:Declaration)-[r:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT]->(n)
WHERE d.registered_on >= $since
RETURN type(r) AS part, d.registered_on AS day, d.value_usd AS value, d.channel AS channel,
       d.inspection_result AS inspection, d.hs_codes AS hs_codes, d.partner_name AS partner,
       d.partner_country AS partner_country, d.border_gate AS gate, d.office_code AS office
ORDER BY day DESC
LIMIT $limit
