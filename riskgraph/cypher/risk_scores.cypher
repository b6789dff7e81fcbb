// Scores of entities ("kind:id") in the current analysis, for assess: the figures only,
// with the prior score the selectivity model reads
// (risk_details adds the reasons, for the few assessments that are explained).
MATCH (a:Analysis {current: true})
UNWIND $entities AS entity
MATCH (s:RiskScore {key: a.analysis_id + '|' + entity})
RETURN s.entity AS entity, s.score AS score, s.band AS band, s.network AS network, s.prior AS prior, s.network_rank AS network_rank
