// Scores of entities ("kind:id") in the current analysis, for assess and the API.
MATCH (a:Analysis {current: true})
UNWIND $entities AS entity
MATCH (s:RiskScore {key: a.analysis_id + '|' + entity})
RETURN s.entity AS entity, s.score AS score, s.band AS band, s.reasons AS reasons,
       s.network AS network, s.network_rank AS network_rank,
       a.as_of AS as_of, a.model_version AS model_version
