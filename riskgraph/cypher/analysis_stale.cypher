// Analyses that are not current: finished ones replaced, or ones a crash left unfinished.
MATCH (a:Analysis)
WHERE a.current = false
RETURN a.analysis_id AS analysis_id
