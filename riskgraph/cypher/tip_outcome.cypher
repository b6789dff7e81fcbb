// Record an outcome on a tip whose current outcome version is $expected (0: none yet), in
// one statement, and keep it as a TipOutcome beside the ones it corrects. Of two officers
// recording at once, the second finds the version moved and gets no row. The first SET
// takes the tip's write lock (Neo4j), so the version read after it is the committed one;
// FalkorDB runs one write at a time. No row also when the tip does not exist.
MATCH (t:Tip {tip_id: $tip_id})
SET t.outcome_tried_at = $now
WITH t
WHERE coalesce(t.outcome_version, 0) = $expected
SET t += $outcome, t.outcome_version = $expected + 1
CREATE (t)-[:HAS_OUTCOME {first_seen: $now}]->(o:TipOutcome {outcome_id: $tip_id + '|' + toString($expected + 1)})
SET o += $outcome, o.tip_id = $tip_id, o.version = $expected + 1
RETURN t.outcome_version AS version
