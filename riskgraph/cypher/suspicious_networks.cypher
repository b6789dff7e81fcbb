// The suspicious networks of the current analysis, by rank.
MATCH (a:Analysis {current: true})
MATCH (n:SuspiciousNetwork {analysis_id: a.analysis_id})
RETURN n.rank AS rank, n.score AS score, n.size AS size, n.risky_members AS risky_members,
       n.risky_share AS risky_share, n.members AS members, n.member_scores AS member_scores,
       n.glue AS glue, n.why AS why, a.as_of AS as_of
ORDER BY rank
SKIP $skip LIMIT $limit
