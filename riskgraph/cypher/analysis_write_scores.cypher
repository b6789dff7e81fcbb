// A batch of an analysis's entity scores. Each is its own node, keyed by analysis and
// entity, so that a new analysis is written beside the current one and never mixed.
UNWIND $rows AS r
CREATE (:RiskScore {key: $analysis_id + '|' + r.entity, analysis_id: $analysis_id, entity: r.entity,
                    kind: r.kind, score: r.score, band: r.band, own: r.own, network: r.network, prior: r.prior,
                    reasons: r.reasons, community: r.community, component: r.component,
                    network_rank: r.network_rank})
