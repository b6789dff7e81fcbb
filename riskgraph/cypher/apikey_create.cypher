// A new API key: only the hash of its secret is stored.
CREATE (k:ApiKey {key_id: $key_id, name: $name, role: $role, unit: $unit, hash: $hash, created_at: $now, created_by: $by})
RETURN k.key_id AS key_id
