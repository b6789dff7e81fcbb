// Put an entity on the watchlist (manual key target) with a reason and an owner.
CREATE (w:WatchlistEntry {entry_id: $entry_id, entity: $entity, reason: $reason, owner: $owner, added_at: $now})
RETURN w.entry_id AS entry_id
