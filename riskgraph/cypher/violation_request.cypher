// The request that stored a violation through the API (absent for feed rows), the run
// that created it and its subject: how a retry is told from a new request.
MATCH (v:Violation {violation_id: $id})
RETURN v.request_hash AS request_hash, v.source_run AS source_run, v.subject_kind AS subject_kind, v.subject_id AS subject_id
