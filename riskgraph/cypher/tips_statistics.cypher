// Per unit ($by = 'unit') or per officer and unit ($by = 'officer'): the tips raised from
// $from to $until (ISO dates, both included), how many have an outcome (checked), how
// many found a violation, and the back tax and fines of their current outcomes.
MATCH (t:Tip)
WHERE t.raised_on >= $from AND t.raised_on <= $until
WITH t.unit AS unit, CASE WHEN $by = 'officer' THEN t.officer ELSE NULL END AS officer, t
RETURN unit, officer, count(t) AS raised, count(t.outcome_version) AS checked,
       sum(CASE WHEN t.violation_found THEN 1 ELSE 0 END) AS found,
       sum(coalesce(t.back_tax_vnd, 0.0)) AS back_tax_vnd, sum(coalesce(t.fine_vnd, 0.0)) AS fine_vnd
ORDER BY raised DESC, unit, officer
