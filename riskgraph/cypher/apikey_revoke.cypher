// Revoke an API key; a revoked key stays listed, with when it was revoked.
MATCH (k:ApiKey {key_id: $key_id})
SET k.revoked_at = coalesce(k.revoked_at, $now)
RETURN k.key_id AS key_id, k.name AS name, k.role AS role, k.unit AS unit, k.created_at AS created_at,
       k.created_by AS created_by, k.revoked_at AS revoked_at
