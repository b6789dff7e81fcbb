// Constraints that exist (FalkorDB), to make ensure_schema idempotent.
CALL db.constraints() YIELD label, properties
RETURN label, properties
