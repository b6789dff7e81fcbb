MATCH (r:IngestRun)
RETURN r.run_id AS run_id, r.feed AS feed, r.checksum AS checksum, r.status AS status,
       r.started_at AS started_at, r.finished_at AS finished_at, r.counts AS counts
ORDER BY run_id DESC
LIMIT $limit
