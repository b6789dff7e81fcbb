// Decided violations up to $until (ISO date) that cite a declaration: the labels that
// a post-clearance audit or a later decision adds to a declaration's inspection result.
MATCH (v:Violation)-[:CONCERNS]->(d:Declaration)
WHERE v.decided_on <= $until
RETURN d.declaration_no AS declaration_no, v.kind AS kind, v.decided_on AS decided_on
