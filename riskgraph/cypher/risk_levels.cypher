// Scores alone of entities ("kind:id") in the current analysis: for ranking many candidates.
MATCH (a:Analysis {current: true})
UNWIND $entities AS entity
MATCH (s:RiskScore {key: a.analysis_id + '|' + entity})
RETURN s.entity AS entity, s.score AS score
