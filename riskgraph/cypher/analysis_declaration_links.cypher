// Who filed, carried, stored and sold for each trader over the declarations registered
// in [$from, $to): one row per trader, link type and party, counted and aggregated in
// the store (a million declarations carry several million such links).
// The date is compared after a projection so that FalkorDB does not use its range index
// on registered_on: on strings it returns rows outside the range (FalkorDB 4.x, seen
// here), which would let declarations after the as-of date into the window.
MATCH (d:Declaration)
WITH d, d.registered_on AS registered_on
WHERE registered_on >= $from AND registered_on < $to
MATCH (d)-[r:FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER]->(x)
MATCH (d)-[:FOR_TRADER]->(t:Enterprise)
RETURN t.tax_code AS trader, type(r) AS link,
       coalesce(x.agent_code, x.person_id, x.vehicle_id, x.tax_code, x.partner_key) AS party,
       count(d) AS declarations,
       sum(CASE WHEN d.inspection_result IN ['compliant', 'discrepancy'] THEN 1 ELSE 0 END) AS inspected,
       sum(CASE WHEN d.inspection_result = 'discrepancy' THEN 1 ELSE 0 END) AS discrepancies,
       max(d.registered_on) AS last
