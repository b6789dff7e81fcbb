// Every API key, newest first; never the hash. A key made before keys had units has none.
MATCH (k:ApiKey)
RETURN k.key_id AS key_id, k.name AS name, k.role AS role, k.unit AS unit, k.created_at AS created_at,
       k.created_by AS created_by, k.revoked_at AS revoked_at
ORDER BY k.created_at DESC, k.key_id
