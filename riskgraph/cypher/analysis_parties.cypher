// Persons, agents, vehicles and foreign partners whose internal ids are in [$lo, $hi).
MATCH (n)
WHERE id(n) >= $lo AND id(n) < $hi AND (n:Person OR n:Agent OR n:Vehicle OR n:Partner)
RETURN id(n) AS id, labels(n)[0] AS label, coalesce(n.person_id, n.agent_code, n.vehicle_id, n.partner_key) AS key,
       coalesce(n.by_reference, false) AS by_reference
