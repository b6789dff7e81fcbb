// Make an analysis current in one statement: readers see the old one or the new one,
// never a mix. Older analyses stay, marked not current, until analysis_drop removes them.
MATCH (a:Analysis {analysis_id: $analysis_id})
SET a.complete = true, a.finished_at = $now, a.entities = $entities, a.networks = $networks, a.stored_from = $stored_from,
    a.norms = $norms, a.thresholds = $thresholds, a.factors = $factors
WITH a
OPTIONAL MATCH (old:Analysis {current: true})
SET old.current = false
WITH a
SET a.current = true
RETURN a.analysis_id AS analysis_id
