// The trade summary of one node: its declarations (as trader, agent, declarant, vehicle
// or warehouse) on or after a date, at most $limit of them, newest first, counted and
// valued in the store by breakdown: 'all', 'parts', 'by_month', 'channels',
// 'inspections', 'hs_codes' (each HS6 once per declaration), 'partners', 'gates'.
// Walked from the node: a filter on the date in the MATCH would make FalkorDB scan the
// date index over every declaration since $since instead.
MATCH (n) WHERE id(n) = $node
MATCH (n)<-[r:FOR_TRADER|FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT]-(d)
WITH r, d
WHERE d.registered_on >= $since
WITH r, d ORDER BY d.registered_on DESC LIMIT $limit
WITH id(r) AS row, d, coalesce(d.value_usd, 0.0) AS value,
     [['all', ''], ['parts', type(r)], ['by_month', coalesce(substring(d.registered_on, 0, 7), '')],
      ['channels', coalesce(d.channel, 'unknown')], ['inspections', coalesce(d.inspection_result, 'none')],
      ['partners', CASE WHEN d.partner_name IS NULL THEN 'unknown' ELSE d.partner_name + ' (' + coalesce(d.partner_country, '') + ')' END],
      ['gates', coalesce(d.border_gate, d.office_code, 'unknown')]]
     + CASE WHEN size(coalesce(d.hs_codes, [])) = 0 THEN [['hs_codes', 'unknown']]
            ELSE [h IN d.hs_codes | ['hs_codes', substring(h, 0, 6)]] END AS keys
UNWIND keys AS k
WITH DISTINCT row, k[0] AS breakdown, k[1] AS key, value
RETURN breakdown, key, count(*) AS count, sum(value) AS value
