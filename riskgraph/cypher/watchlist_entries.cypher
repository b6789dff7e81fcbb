// Watchlist entries of some entities ("kind:id"), open and closed.
UNWIND $entities AS entity
MATCH (w:WatchlistEntry {entity: entity})
RETURN w.entry_id AS entry_id, w.entity AS entity, w.reason AS reason, w.owner AS owner, w.added_at AS added_at,
       w.removed_at AS removed_at, w.removed_by AS removed_by, w.removal_reason AS removal_reason
ORDER BY w.added_at
