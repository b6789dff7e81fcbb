// The declarations one node takes part in (as trader, agent, declarant, vehicle or
// warehouse) on or after a date, newest first: rows for the trade summary.
// Walked from the node: a filter on the date in the MATCH would make FalkorDB scan the
// date index over every declaration since $since instead.
MATCH (n) WHERE id(n) = $node
MATCH (n)<-[r:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT]-(d)
WITH r, d
WHERE d.registered_on >= $since
RETURN type(r) AS part, d.registered_on AS day, d.value_usd AS value, d.channel AS channel,
       d.inspection_result AS inspection, d.hs_codes AS hs_codes, d.partner_name AS partner,
       d.partner_country AS partner_country, d.border_gate AS gate, d.office_code AS office
ORDER BY day DESC
LIMIT $limit
