// Each trader's first declaration (ISO date) and the closed enterprises (dissolved,
// suspended, absconded) that have declared: what "new trader" and "closed but trading" read.
MATCH (d:Declaration)-[:FOR_TRADER]->(t:Enterprise)
RETURN t.tax_code AS trader, min(d.registered_on) AS first_declared, t.status AS status
