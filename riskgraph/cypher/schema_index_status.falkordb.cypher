// The build status of each index (FalkorDB): built in the background, OPERATIONAL when done.
CALL db.indexes() YIELD label, status
RETURN label, status
