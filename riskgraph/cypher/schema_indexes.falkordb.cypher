// Indexes that exist (FalkorDB), to make ensure_schema idempotent.
CALL db.indexes() YIELD label, properties
RETURN label, properties
