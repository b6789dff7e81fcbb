// A page of the queue's assessed declarations (journal graph), newest first, from after
// the cursor ($at, $no), of one office, gate and lane when given.
MATCH (q:QueueEntry)
WHERE ($office IS NULL OR q.office_code = $office) AND ($gate IS NULL OR q.border_gate = $gate)
  AND ($lane IS NULL OR q.lane = $lane)
  AND ($at IS NULL OR q.at < $at OR (q.at = $at AND q.declaration_no < $no))
RETURN q.entry_id AS entry_id, q.declaration_no AS declaration_no, q.at AS at, q.registered_at AS registered_at,
       q.office_code AS office_code, q.border_gate AS border_gate, q.trader AS trader, q.parties AS parties,
       q.lane AS lane, q.score AS score, q.basis AS basis, q.hits AS hits, q.trader_score AS trader_score,
       q.hs_chapter AS hs_chapter, q.origin_country AS origin_country, q.partner AS partner, q.value_usd AS value_usd,
       q.assessed_by AS assessed_by
ORDER BY q.at DESC, q.declaration_no DESC
LIMIT $limit
