MATCH (r:IngestRun)
RETURN coalesce(max(r.run_id), 0) + 1 AS run_id
