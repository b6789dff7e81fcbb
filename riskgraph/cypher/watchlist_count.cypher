// How many entries the watchlist holds open.
MATCH (w:WatchlistEntry)
WHERE w.removed_at IS NULL
RETURN count(w) AS total
