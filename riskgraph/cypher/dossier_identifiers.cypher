// The identifiers one node declares (phones, e-mails, addresses, bank accounts), each with
// how many others declare it and the first few of them.
MATCH (n) WHERE id(n) = $node
MATCH (n)-[own:HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT]->(i)
OPTIONAL MATCH (i)<-[:HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT]-(o)
WHERE id(o) <> id(n)
WITH i, own, o ORDER BY coalesce(o.tax_code, o.person_id)
RETURN labels(i)[0] AS label, coalesce(i.number, i.address, i.key, i.account) AS value, own.text AS text,
       count(o) AS holders,
       collect(CASE WHEN o IS NULL THEN NULL ELSE [labels(o)[0], coalesce(o.tax_code, o.person_id), coalesce(o.name, o.full_name)] END)[0..$holders] AS others
ORDER BY holders DESC, value
