// How many suspicious networks the current analysis found.
MATCH (a:Analysis {current: true})
MATCH (n:SuspiciousNetwork {analysis_id: a.analysis_id})
RETURN count(n) AS total
