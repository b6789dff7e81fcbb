// The request that stored a watchlist entry: how a retry is told from a new request.
MATCH (w:WatchlistEntry {entry_id: $id})
RETURN w.request_hash AS request_hash
