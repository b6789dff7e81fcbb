// A node of a link chart by internal id: its label, natural key and name.
MATCH (n) WHERE id(n) = $node
RETURN labels(n)[0] AS label,
       coalesce(n.tax_code, n.person_id, n.agent_code, n.vehicle_id, n.declaration_no, n.number, n.address, n.key,
                n.account, n.partner_key, n.violation_id, n.report_id) AS key,
       coalesce(n.name, n.full_name) AS name
