// Which of some entities ("kind:id") have an open watchlist entry.
UNWIND $entities AS entity
MATCH (w:WatchlistEntry {entity: entity})
WHERE w.removed_at IS NULL
RETURN DISTINCT w.entity AS entity
