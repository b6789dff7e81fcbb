// Violations citing the declarations registered from $from to $until (both included):
// what each found wrong and the revenue recovered (back tax and penalty, VND).
MATCH (v:Violation)-[:CONCERNS]->(d:Declaration)
WHERE d.registered_on >= $from AND d.registered_on <= $until
RETURN d.declaration_no AS declaration_no, v.back_tax_vnd AS back_tax_vnd, v.penalty_vnd AS penalty_vnd
