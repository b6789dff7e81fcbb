// Earlier loads of the same feed (same checksum), newest first.
MATCH (r:IngestRun {checksum: $checksum})
RETURN r.run_id AS run_id, r.status AS status, r.started_at AS started_at
ORDER BY run_id DESC
