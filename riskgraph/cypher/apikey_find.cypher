// One API key by id, for authentication; a key made before keys had units has none.
MATCH (k:ApiKey {key_id: $key_id})
RETURN k.key_id AS key_id, k.name AS name, k.role AS role, k.unit AS unit, k.hash AS hash, k.revoked_at AS revoked_at
