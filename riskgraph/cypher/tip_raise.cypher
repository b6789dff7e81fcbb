// Raise a tip (tin báo) on a loaded declaration (one with a registration time, not one a
// violation only cites), noting the lane it was in. MERGE on the tip id: a tip whose id an
// idempotency key fixed is stored once, however often the request is retried; the stored
// request tells the caller whether it was this one. No row: no such declaration.
MATCH (d:Declaration {declaration_no: $declaration_no})
WHERE d.registered_at IS NOT NULL
MERGE (t:Tip {tip_id: $tip_id})
ON CREATE SET t += $props, t.lane_before = d.channel
MERGE (t)-[r:RAISED_ON]->(d)
ON CREATE SET r.first_seen = $now
RETURN t.tip_id AS tip_id, t.request_hash AS request_hash
