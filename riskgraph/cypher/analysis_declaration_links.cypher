// Agents, declarants, vehicles, warehouses and partners of the declarations registered
// from $from to $until (both included; see analysis_declarations): one row per
// declaration and party, by internal id. The party's kind, known from the node pages,
// tells the link (a warehouse is the only Enterprise). Two MATCH clauses: FalkorDB then
// starts from the date index, several times faster than one pattern.
MATCH (d:Declaration)
WHERE d.registered_on >= $from AND d.registered_on <= $until
MATCH (d)-[:FILED_BY_AGENT|FILED_BY_DECLARANT|CARRIED_BY|STORED_AT|WITH_PARTNER]->(x)
RETURN id(d) AS declaration, id(x) AS party
