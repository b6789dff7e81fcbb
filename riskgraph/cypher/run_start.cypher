// Records (or, when resuming an interrupted load, re-opens) a run.
MERGE (r:IngestRun {run_id: $run_id})
SET r += $props, r.status = 'running'
