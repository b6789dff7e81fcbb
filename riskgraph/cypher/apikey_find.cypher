// One API key by id, for authentication.
MATCH (k:ApiKey {key_id: $key_id})
RETURN k.key_id AS key_id, k.name AS name, k.role AS role, k.hash AS hash, k.revoked_at AS revoked_at
