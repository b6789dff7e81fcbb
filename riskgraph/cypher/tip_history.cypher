// Every outcome recorded on a tip, oldest first: the last is the current one, the others
// what it corrected.
MATCH (:Tip {tip_id: $id})-[:HAS_OUTCOME]->(o:TipOutcome)
RETURN o.version AS version, o.violation_found AS violation_found, o.back_tax_vnd AS back_tax_vnd, o.fine_vnd AS fine_vnd,
       o.note AS note, o.checked_on AS checked_on, o.checked_by AS checked_by, o.checked_unit AS checked_unit,
       o.checked_at AS checked_at
ORDER BY o.version
