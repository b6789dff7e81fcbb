// Record the result of an inspection or post-clearance audit on a declaration; return
// its trader, the default subject of a violation found, and its registration day (the
// month of the columnar copy that takes the result too).
MATCH (d:Declaration {declaration_no: $declaration_no})
SET d.inspection_result = $result, d.inspected_on = $inspected_on, d.last_run = $run, d.last_seen = $now
WITH d
OPTIONAL MATCH (d)-[:FOR_TRADER]->(t:Enterprise)
RETURN d.declaration_no AS declaration_no, t.tax_code AS trader, d.registered_on AS registered_on
