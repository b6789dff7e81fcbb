// A page of enterprises for the analysis projection, in tax-code order, with the
// identifiers they declare: shared identifiers are links of the risk graph.
MATCH (e:Enterprise)
WHERE e.tax_code > $after
WITH e ORDER BY e.tax_code LIMIT $limit
RETURN e.tax_code AS id, e.name AS name, e.province AS province, e.status AS status,
       e.registered_on AS registered_on, coalesce(e.by_reference, false) AS by_reference,
       e.last_seen AS last_seen,
       [(e)-[:HAS_PHONE]->(x:Phone) | x.number] AS phones,
       [(e)-[:HAS_EMAIL]->(x:Email) | x.address] AS emails,
       [(e)-[:LOCATED_AT]->(x:Address) | x.key] AS addresses,
       [(e)-[:HAS_ACCOUNT]->(x:BankAccount) | x.account] AS accounts
ORDER BY id
