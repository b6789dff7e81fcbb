MATCH (r:IngestRun {run_id: $run_id})
SET r += $props, r.status = 'finished'
