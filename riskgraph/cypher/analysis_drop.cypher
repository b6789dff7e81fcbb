// Delete up to $limit score and network nodes of a replaced analysis, then the analysis
// itself once nothing of it is left; returns how many nodes were deleted.
OPTIONAL MATCH (s:RiskScore {analysis_id: $analysis_id})
WITH s LIMIT $limit
DELETE s
WITH count(s) AS scores
OPTIONAL MATCH (n:SuspiciousNetwork {analysis_id: $analysis_id})
DELETE n
WITH scores, count(n) AS networks
OPTIONAL MATCH (a:Analysis {analysis_id: $analysis_id, current: false})
WHERE scores < $limit
DELETE a
RETURN scores + networks AS deleted
