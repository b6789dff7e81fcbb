// Analyses started and not finished: being written now, or left by a crash.
MATCH (a:Analysis {complete: false})
RETURN a.analysis_id AS analysis_id
