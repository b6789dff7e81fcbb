// The green-lane declarations (cleared without inspection) registered from $from to
// $until (ISO dates, both included; the caller checks the dates, see
// analysis_declarations), with the fields and parties the Assessor reads: the candidates
// for post-clearance audit (kiểm tra sau thông quan). A quarterly read, so the parties come
// in pattern comprehensions rather than a second query joined on id.
MATCH (d:Declaration)-[:FOR_TRADER]->(t:Enterprise)
WHERE d.registered_on >= $from AND d.registered_on <= $until AND d.channel = 'green'
RETURN d.declaration_no AS declaration_no, d.registered_on AS registered_on, d.registered_at AS registered_at,
       t.tax_code AS trader, t.name AS trader_name,
       d.direction AS direction, d.office_code AS office_code, d.border_gate AS border_gate,
       d.partner_country AS partner_country, d.origin_country AS origin_country,
       d.hs_codes AS hs_codes, d.value_usd AS value_usd, d.tax_vnd AS tax_vnd,
       d.procedure_code AS procedure_code, d.transport_mode AS transport_mode,
       d.tax_treatment AS tax_treatment, d.duty_rate_pct AS duty_rate_pct,
       d.payment_method AS payment_method, d.net_mass_kg AS net_mass_kg, d.gross_mass_kg AS gross_mass_kg,
       d.quantity AS quantity, d.quantity_unit AS quantity_unit, d.channel AS channel,
       d.inspection_result AS inspection_result, d.selection AS selection,
       [(d)-[:FILED_BY_AGENT]->(x) | x.agent_code] AS agents,
       [(d)-[:FILED_BY_DECLARANT]->(x) | x.person_id] AS declarants,
       [(d)-[:CARRIED_BY]->(x) | x.vehicle_id] AS vehicles,
       [(d)-[:STORED_AT]->(x) | x.tax_code] AS warehouses,
       [(d)-[:WITH_PARTNER]->(x) | x.partner_key] AS partners
