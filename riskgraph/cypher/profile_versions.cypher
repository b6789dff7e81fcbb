// Every version of one risk profile, oldest first.
MATCH (v:RiskProfileVersion {profile_id: $profile_id})
RETURN v.profile_id AS profile_id, v.version AS version, v.owner_unit AS owner_unit, v.criteria AS criteria,
       v.reason AS reason, v.instructions AS instructions, v.lane AS lane, v.valid_from AS valid_from,
       v.valid_to AS valid_to, v.active AS active, v.edited_by AS edited_by, v.edited_at AS edited_at,
       v.note AS note, v.request_hash AS request_hash
ORDER BY v.version
