// What the columnar copy of a month is checked against (riskgraph/ingest/columnar.py):
// the declarations registered from $from to $until (ISO dates, both included) that
// selectivity_declarations reads, counted and summed by the store.
MATCH (d:Declaration)-[:FOR_TRADER]->(:Enterprise)
WHERE d.registered_on >= $from AND d.registered_on <= $until
RETURN count(d) AS declarations,
       sum(CASE WHEN d.inspection_result = 'compliant' THEN 1 ELSE 0 END) AS compliant,
       sum(CASE WHEN d.inspection_result = 'discrepancy' THEN 1 ELSE 0 END) AS discrepancy,
       sum(CASE WHEN d.selection = 'random' THEN 1 ELSE 0 END) AS random,
       sum(size(coalesce(d.hs_codes, []))) AS hs_codes,
       sum(coalesce(d.value_usd, 0.0)) AS value_usd
