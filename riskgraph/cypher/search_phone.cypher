// Who declares a phone number (E.164) or e-mail address: two indexed lookups.
MATCH (x:Phone {number: $value})<-[:HAS_PHONE]-(h)
RETURN labels(h)[0] AS label, coalesce(h.tax_code, h.person_id) AS id
LIMIT $limit
UNION
MATCH (x:Email {address: $value})<-[:HAS_EMAIL]-(h)
RETURN labels(h)[0] AS label, coalesce(h.tax_code, h.person_id) AS id
LIMIT $limit
