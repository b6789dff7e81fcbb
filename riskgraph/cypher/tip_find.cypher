// One tip by id, with its current outcome (none until one is recorded).
MATCH (t:Tip {tip_id: $id})
RETURN t.tip_id AS tip_id, t.declaration_no AS declaration_no, t.lane AS lane, t.lane_before AS lane_before, t.reason AS reason,
       t.officer AS officer, t.unit AS unit, t.raised_at AS raised_at, t.raised_on AS raised_on, t.request_hash AS request_hash,
       t.outcome_version AS outcome_version, t.violation_found AS violation_found, t.back_tax_vnd AS back_tax_vnd,
       t.fine_vnd AS fine_vnd, t.note AS note, t.checked_on AS checked_on, t.checked_by AS checked_by,
       t.checked_unit AS checked_unit, t.checked_at AS checked_at, t.outcome_hash AS outcome_hash
