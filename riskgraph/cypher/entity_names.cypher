// Display names of entities given as "kind:id": enterprise and person names, agent codes, plates.
UNWIND $entities AS entity
WITH entity, split(entity, ':')[0] AS kind, substring(entity, size(split(entity, ':')[0]) + 1) AS id
OPTIONAL MATCH (e:Enterprise {tax_code: id}) WHERE kind = 'enterprise'
OPTIONAL MATCH (p:Person {person_id: id}) WHERE kind = 'person'
RETURN entity, coalesce(e.name, p.full_name, '') AS name
