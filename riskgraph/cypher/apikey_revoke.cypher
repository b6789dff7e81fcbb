// Revoke an API key; a revoked key stays listed, with when it was revoked.
MATCH (k:ApiKey {key_id: $key_id})
SET k.revoked_at = coalesce(k.revoked_at, $now)
RETURN k.key_id AS key_id, k.revoked_at AS revoked_at
