// Analyses to delete: finished ones since replaced, and unfinished ones started before
// $abandoned_before (a crash left them). An unfinished analysis younger than that may be
// another run still writing: it is left alone.
MATCH (a:Analysis)
WHERE a.current = false AND (a.complete = true OR a.started_at < $abandoned_before)
RETURN a.analysis_id AS analysis_id
