// Put an entity on the watchlist (manual key target) with a reason and an owner. MERGE on
// the entry id: an entry whose id an idempotency key fixed is stored once, however often
// the request is retried; the stored request tells the caller whether it was this one.
MERGE (w:WatchlistEntry {entry_id: $entry_id})
ON CREATE SET w.entity = $entity, w.reason = $reason, w.owner = $owner, w.added_at = $now, w.request_hash = $request_hash
RETURN w.entry_id AS entry_id, w.request_hash AS request_hash
