// Natural keys of nodes by internal id: the identifiers and partners that reasons and
// networks name (the projection reads them by id only). One id seek per id.
UNWIND $ids AS wanted
MATCH (n)
WHERE id(n) = wanted
RETURN id(n) AS id, labels(n)[0] AS label,
       coalesce(n.number, n.address, n.key, n.account, n.partner_key, n.tax_code, n.person_id, n.agent_code, n.vehicle_id) AS key
