// How many entities the key-target list of one kind holds (see key_targets).
MATCH (a:Analysis {current: true})
MATCH (s:RiskScore {analysis_id: a.analysis_id})
WHERE s.kind = $kind AND s.score >= $min_score AND ($band IS NULL OR s.band = $band)
OPTIONAL MATCH (e:Enterprise {tax_code: substring(s.entity, 11)})
WHERE $province IS NOT NULL AND s.kind = 'enterprise'
WITH s, e
WHERE $province IS NULL OR e.province = $province
RETURN count(s) AS total
