// Every risk profile as its newest version stands, by id.
MATCH (p:RiskProfile)
RETURN p.profile_id AS profile_id, p.version AS version, p.owner_unit AS owner_unit, p.criteria AS criteria,
       p.reason AS reason, p.instructions AS instructions, p.lane AS lane, p.valid_from AS valid_from,
       p.valid_to AS valid_to, p.active AS active, p.edited_by AS edited_by, p.edited_at AS edited_at,
       p.note AS note, p.request_hash AS request_hash
ORDER BY p.profile_id
