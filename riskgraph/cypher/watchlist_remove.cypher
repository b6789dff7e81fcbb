// Take an entity off the watchlist: its open entries are closed, never deleted.
MATCH (w:WatchlistEntry {entity: $entity})
WHERE w.removed_at IS NULL
SET w.removed_at = $now, w.removed_by = $owner, w.removal_reason = $reason
RETURN count(w) AS removed
