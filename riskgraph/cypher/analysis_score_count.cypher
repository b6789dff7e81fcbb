// How many scores an analysis stored: a reader's check that it sees an analysis whole.
MATCH (s:RiskScore {analysis_id: $analysis_id})
RETURN count(s) AS scores
