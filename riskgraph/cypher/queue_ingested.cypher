// A page of the queue's ingested declarations: those registered on or after $since,
// newest first, from after the cursor ($at, $no), of one office, gate and lane (their
// channel) when given.
MATCH (d:Declaration)-[:FOR_TRADER]->(t:Enterprise)
WHERE d.registered_on >= $since
  AND ($office IS NULL OR d.office_code = $office) AND ($gate IS NULL OR d.border_gate = $gate)
  AND ($lane IS NULL OR d.channel = $lane)
  AND ($at IS NULL OR d.registered_at < $at OR (d.registered_at = $at AND d.declaration_no < $no))
WITH d, t
ORDER BY d.registered_at DESC, d.declaration_no DESC
LIMIT $limit
OPTIONAL MATCH (d)-[:WITH_PARTNER]->(p:Partner)
OPTIONAL MATCH (d)-[:FILED_BY_AGENT]->(g:Agent)
OPTIONAL MATCH (d)-[:FILED_BY_DECLARANT]->(x:Person)
RETURN d.declaration_no AS declaration_no, d.registered_at AS at, d.registered_at AS registered_at,
       d.office_code AS office_code, d.border_gate AS border_gate, t.tax_code AS trader,
       collect(DISTINCT 'agent:' + g.agent_code) + collect(DISTINCT 'person:' + x.person_id) AS parties,
       d.channel AS lane, d.hs_codes AS hs_codes, d.origin_country AS origin_country, head(collect(p.partner_key)) AS partner,
       d.value_usd AS value_usd
ORDER BY at DESC, declaration_no DESC
