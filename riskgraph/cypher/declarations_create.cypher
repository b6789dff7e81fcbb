// New declarations. Their links follow in declarations_link, which sets row_hash last:
// a load killed between the two finds no row_hash and links them again.
UNWIND $rows AS r
CREATE (d:Declaration {declaration_no: r.key})
SET d += r.props, d.source_run = $run, d.first_seen = $now, d.last_run = $run, d.last_seen = $now
