"""Who may read what: the roles, and the lowest role each sensitive field needs.

Roles are ordered; each one may do everything the roles before it may:

* ``clearance`` — clearance systems (hệ thống thông quan): entity risk and channel advice;
* ``officer`` — risk officers: key targets, networks, search, dossiers without intel text,
  risk profiles (writing them too, and adopting the model's suggestions), the monitoring
  queue and its alert stream, tips (tin báo) and their outcomes, compliance measurement;
* ``investigator`` — intelligence investigators (điều tra, xác minh): intel text, paths
  between entities, neighbourhoods, submitting intel;
* ``admin`` — API keys, the audit log, inspection results, watchlists.

``FIELDS`` names every field of the schema that is not open to every role, as
``Type.field``. The check runs on the whole request before anything executes: a request
that names one forbidden field gets a FORBIDDEN error and no data at all.
"""

from __future__ import annotations

ROLES = ("clearance", "officer", "investigator", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}

FIELDS: dict[str, str] = {
    # Query
    "Query.me": "clearance",
    "Query.entityRisk": "clearance",
    "Query.assessDeclaration": "clearance",
    "Query.entity": "officer",
    "Query.keyTargets": "officer",
    "Query.suspiciousNetworks": "officer",
    "Query.search": "officer",
    "Query.dossier": "officer",
    "Query.watchlist": "officer",
    "Query.riskProfiles": "officer",
    "Query.riskProfile": "officer",
    "Query.riskProfileHistory": "officer",
    "Query.profileEffectiveness": "officer",
    "Query.profileSuggestions": "officer",
    "Query.monitoringQueue": "officer",  # and the alert stream, /alerts/stream
    "Query.auditPlan": "officer",
    "Query.tips": "officer",
    "Query.tipStatistics": "officer",
    "Query.compliance": "officer",
    "Query.connection": "investigator",
    "Query.neighbourhood": "investigator",
    "Query.apiKeys": "admin",
    "Query.auditLog": "admin",
    # Intelligence text is for investigators; officers see that a report exists and its grade.
    "IntelReport.summary": "investigator",
    "IntelReport.sourceKind": "investigator",
    # Mutation
    "Mutation.createRiskProfile": "officer",
    "Mutation.editRiskProfile": "officer",
    "Mutation.setRiskProfileActive": "officer",
    "Mutation.adoptProfileSuggestion": "officer",
    "Mutation.submitIntel": "investigator",
    "Mutation.raiseTip": "officer",
    "Mutation.recordTipOutcome": "officer",
    "Mutation.recordInspectionResult": "admin",
    "Mutation.addWatchlist": "admin",
    "Mutation.removeWatchlist": "admin",
    "Mutation.createApiKey": "admin",
    "Mutation.revokeApiKey": "admin",
}


def allowed(role: str, coordinate: str) -> bool:
    """Return whether ``role`` may select the field ``Type.field`` (open if not in FIELDS)."""
    needed = FIELDS.get(coordinate)
    return needed is None or RANK[role] >= RANK[needed]
