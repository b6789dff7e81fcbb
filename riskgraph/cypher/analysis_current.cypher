// The current analysis, if any.
MATCH (a:Analysis {current: true})
RETURN a.analysis_id AS analysis_id, a.as_of AS as_of, a.model_version AS model_version,
       a.finished_at AS finished_at, a.entities AS entities, a.networks AS networks,
       a.norms AS norms, a.thresholds AS thresholds
