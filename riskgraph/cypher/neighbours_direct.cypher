// Entities linked to one node by a role, ownership or agent registration, or by a shared
// phone, e-mail, address or bank account; with the links and how many there are.
MATCH (n) WHERE id(n) = $node
MATCH (n)-[r:HOLDS_ROLE|OWNED_BY|OPERATED_BY|REGISTERED_AS|HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT]-(x)
OPTIONAL MATCH (x)<-[:HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT]-(m)
WHERE (x:Phone OR x:Email OR x:Address OR x:BankAccount) AND id(m) <> id(n)
WITH CASE WHEN m IS NULL THEN x ELSE m END AS other, CASE WHEN m IS NULL THEN type(r) ELSE labels(x)[0] END AS link
WHERE other:Enterprise OR other:Person OR other:Agent OR other:Vehicle
RETURN labels(other)[0] AS label, coalesce(other.tax_code, other.person_id, other.agent_code, other.vehicle_id) AS id,
       collect(DISTINCT link) AS links, count(*) AS weight
ORDER BY weight DESC, id
LIMIT $limit
