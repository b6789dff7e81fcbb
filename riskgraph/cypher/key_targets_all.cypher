// Every entity of one kind with internal id in [$lo, $hi), with its score in the current
// analysis; entities with no stored score scored below the analysis's floor
// (negligible) and read as 0. For `key-targets --all`, the export to other systems.
MATCH (a:Analysis {current: true})
MATCH (e)
WHERE id(e) >= $lo AND id(e) < $hi
  AND ((e:Enterprise AND $kind = 'enterprise') OR (e:Person AND $kind = 'person')
       OR (e:Agent AND $kind = 'agent') OR (e:Vehicle AND $kind = 'vehicle'))
WITH a, $kind + ':' + coalesce(e.tax_code, e.person_id, e.agent_code, e.vehicle_id) AS entity
OPTIONAL MATCH (s:RiskScore {key: a.analysis_id + '|' + entity})
RETURN entity, coalesce(s.score, 0.0) AS score, coalesce(s.band, 'low') AS band
ORDER BY entity
