// The suspicious networks of an analysis: members and glue as "kind:id" lists.
UNWIND $rows AS r
CREATE (:SuspiciousNetwork {network_key: $analysis_id + '|' + toString(r.rank), analysis_id: $analysis_id,
                            rank: r.rank, score: r.score, size: r.size, risky_members: r.risky_members,
                            risky_share: r.risky_share, members: r.members, member_scores: r.member_scores,
                            glue: r.glue, why: r.why, community: r.community})
