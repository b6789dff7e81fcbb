// The declarations registered from $from to $until (ISO dates, both included; see
// analysis_declarations for why the bound is inclusive) with every attribute the
// selectivity model reads and their trader: one month of training or backtest data.
// Their other parties come from selectivity_parties, joined on id.
MATCH (d:Declaration)-[:FOR_TRADER]->(t:Enterprise)
WHERE d.registered_on >= $from AND d.registered_on <= $until
RETURN id(d) AS id, d.declaration_no AS declaration_no, d.registered_at AS registered_at,
       d.direction AS direction, d.office_code AS office_code, d.border_gate AS border_gate,
       t.tax_code AS trader, d.partner_country AS partner_country, d.origin_country AS origin_country,
       d.hs_codes AS hs_codes, d.value_usd AS value_usd, d.tax_vnd AS tax_vnd,
       d.procedure_code AS procedure_code, d.transport_mode AS transport_mode,
       d.tax_treatment AS tax_treatment, d.duty_rate_pct AS duty_rate_pct,
       d.payment_method AS payment_method, d.net_mass_kg AS net_mass_kg, d.gross_mass_kg AS gross_mass_kg,
       d.quantity AS quantity, d.quantity_unit AS quantity_unit, d.channel AS channel,
       d.inspection_result AS inspection_result, d.selection AS selection
