// Scores of entities ("kind:id") in the current analysis, with the parts an explanation
// needs; entities without a stored score (under the analysis's floor) return nothing.
MATCH (a:Analysis {current: true})
UNWIND $entities AS entity
MATCH (s:RiskScore {key: a.analysis_id + '|' + entity})
RETURN s.entity AS entity, s.score AS score, s.band AS band, s.own AS own, s.network AS network,
       s.reasons AS reasons, s.community AS community, s.component AS component,
       s.network_rank AS network_rank, s.provisional AS provisional
