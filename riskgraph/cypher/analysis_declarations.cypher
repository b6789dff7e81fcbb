// The declarations registered from $from to $until (ISO dates, both included) with their
// trader: one month of the analysis projection. The upper bound is inclusive on purpose:
// with an exclusive one (<) FalkorDB's range index on a string property also returns the
// rows of the bound and beyond (measured: a month's query returned the next month too).
// The caller checks the dates.
MATCH (d:Declaration)-[:FOR_TRADER]->(t:Enterprise)
WHERE d.registered_on >= $from AND d.registered_on <= $until
RETURN id(d) AS id, id(t) AS trader, d.registered_on AS registered_on, d.hs_codes[0] AS hs,
       d.origin_country AS origin, d.value_usd AS value_usd, d.net_mass_kg AS net_mass_kg,
       d.inspection_result AS inspection_result
