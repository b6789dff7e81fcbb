// Raise one entity's score in the current analysis after new evidence (intel, a violation),
// without a re-analysis; marked provisional until the next analysis replaces it.
MATCH (a:Analysis {current: true})
MERGE (s:RiskScore {key: a.analysis_id + '|' + $entity})
ON CREATE SET s.analysis_id = a.analysis_id, s.entity = $entity, s.kind = $kind, s.own = 0.0, s.network = 0.0,
              s.community = -1, s.component = -1, s.network_rank = 0
SET s.score = $score, s.band = $band, s.reasons = $reasons, s.provisional = true
RETURN s.score AS score
