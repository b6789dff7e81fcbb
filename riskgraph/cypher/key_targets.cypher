// The key-target list (danh sách trọng điểm) of one kind in the current analysis: a page
// by descending score, from rank $skip; optionally of one band, enterprises of one province.
MATCH (a:Analysis {current: true})
MATCH (s:RiskScore {analysis_id: a.analysis_id})
WHERE s.kind = $kind AND s.score >= $min_score AND ($band IS NULL OR s.band = $band)
OPTIONAL MATCH (e:Enterprise {tax_code: substring(s.entity, 11)})
WHERE $province IS NOT NULL AND s.kind = 'enterprise'
WITH a, s, e
WHERE $province IS NULL OR e.province = $province
RETURN s.entity AS entity, s.score AS score, s.band AS band, s.own AS own, s.network AS network, s.reasons AS reasons,
       s.community AS community, s.network_rank AS network_rank, s.provisional AS provisional, a.as_of AS as_of
ORDER BY s.score DESC, s.entity
SKIP $skip LIMIT $limit
