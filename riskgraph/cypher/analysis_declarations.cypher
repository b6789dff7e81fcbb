// The declarations registered in [$from, $to) (ISO dates) with their trader: one
// window of the analysis projection, for the goods and value factors. FalkorDB's range
// index on a string property can return rows outside the range: the caller drops them.
MATCH (d:Declaration)-[:FOR_TRADER]->(t:Enterprise)
WHERE d.registered_on >= $from AND d.registered_on < $to
RETURN t.tax_code AS trader, d.registered_on AS registered_on, d.hs_codes[0] AS hs,
       d.origin_country AS origin, d.value_usd AS value_usd, d.net_mass_kg AS net_mass_kg,
       d.inspection_result AS inspection_result
