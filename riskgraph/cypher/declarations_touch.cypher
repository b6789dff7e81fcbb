// Declarations seen again unchanged: only the provenance moves.
UNWIND $keys AS k
MATCH (d:Declaration {declaration_no: k})
SET d.last_run = $run, d.last_seen = $now
