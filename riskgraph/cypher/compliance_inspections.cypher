// The inspected declarations registered from $from to $until (ISO dates, both included):
// why each was inspected (selection: random, targeted or not stated), what the
// inspection found, the groups a compliance report cuts by, and what the decided
// violations citing it recovered (back tax, penalties), up to $as_of. FalkorDB may also
// return declarations past $until (see analysis_declarations): the caller checks the dates.
MATCH (d:Declaration)
WHERE d.registered_on >= $from AND d.registered_on <= $until AND d.inspection_result IN ['compliant', 'discrepancy']
WITH d
OPTIONAL MATCH (v:Violation)-[:CONCERNS]->(d)
WHERE v.decided_on <= $as_of
RETURN d.declaration_no AS declaration_no, d.registered_on AS registered_on, d.selection AS selection, d.inspection_result AS inspection_result,
       d.channel AS channel, d.office_code AS office_code, d.origin_country AS origin_country, d.hs_codes AS hs_codes,
       count(v) AS violations, sum(coalesce(v.back_tax_vnd, 0.0)) AS back_tax_vnd, sum(coalesce(v.penalty_vnd, 0.0)) AS penalty_vnd
