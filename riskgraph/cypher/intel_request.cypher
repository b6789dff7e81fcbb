// The request that stored an intelligence report through the API (absent for feed rows),
// the run that created it and its subject: how a retry is told from a new request.
MATCH (i:Intel {report_id: $id})
RETURN i.request_hash AS request_hash, i.source_run AS source_run, i.subject_kind AS subject_kind, i.subject_id AS subject_id
