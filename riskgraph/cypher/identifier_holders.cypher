// Who holds an identifier (phone, e-mail, address key or bank account), by its
// normalised value. Scans identifier nodes: for investigation, not for hot paths.
MATCH (h)-[:HAS_PHONE|HAS_EMAIL|LOCATED_AT|HAS_ACCOUNT]->(x)
WHERE x.number = $value OR x.address = $value OR x.key = $value OR x.account = $value
RETURN labels(h)[0] AS label, coalesce(h.tax_code, h.person_id) AS id
ORDER BY label, id
