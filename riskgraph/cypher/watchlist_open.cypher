// The open watchlist entries, newest first, a page at a time.
MATCH (w:WatchlistEntry)
WHERE w.removed_at IS NULL
RETURN w.entry_id AS entry_id, w.entity AS entity, w.reason AS reason, w.owner AS owner, w.added_at AS added_at
ORDER BY w.added_at DESC, w.entry_id
SKIP $skip LIMIT $limit
