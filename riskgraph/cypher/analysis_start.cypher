// A new analysis, not yet current: readers keep reading the current one until it is.
CREATE (a:Analysis {analysis_id: $analysis_id, as_of: $as_of, model_version: $model_version,
                    started_at: $now, current: false, complete: false})
RETURN a.analysis_id AS analysis_id
