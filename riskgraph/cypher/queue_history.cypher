// The newest $limit declarations of each trader (tax codes), for what is usual for it:
// value, first HS code, gate, origin and partner.
UNWIND $traders AS tax
MATCH (:Enterprise {tax_code: tax})<-[:FOR_TRADER]-(d:Declaration)
OPTIONAL MATCH (d)-[:WITH_PARTNER]->(p:Partner)
WITH tax, d, head(collect(p.partner_key)) AS partner
ORDER BY d.registered_at DESC
WITH tax, collect({declaration_no: d.declaration_no, registered_at: d.registered_at, value_usd: d.value_usd,
                   hs_codes: d.hs_codes, border_gate: d.border_gate, origin_country: d.origin_country, partner: partner}) AS rows
RETURN tax AS trader, rows[..$limit] AS rows
