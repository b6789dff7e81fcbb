// The key-target list (danh sách trọng điểm) of one kind in the current analysis: a page
// by descending score, from rank $skip.
MATCH (a:Analysis {current: true})
MATCH (s:RiskScore {analysis_id: a.analysis_id})
WHERE s.kind = $kind AND s.score >= $min_score
RETURN s.entity AS entity, s.score AS score, s.band AS band, s.reasons AS reasons,
       s.community AS community, s.network_rank AS network_rank, a.as_of AS as_of
ORDER BY s.score DESC, s.entity
SKIP $skip LIMIT $limit
