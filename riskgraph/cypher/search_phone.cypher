// Who declares a phone number (E.164) or e-mail address.
MATCH (x) WHERE (x:Phone AND x.number = $value) OR (x:Email AND x.address = $value)
MATCH (h)-[:HAS_PHONE|HAS_EMAIL]->(x)
RETURN labels(h)[0] AS label, coalesce(h.tax_code, h.person_id) AS id
ORDER BY label, id
LIMIT $limit
