"""Who may do what: every role against every root field and restricted sub-field, from
the table in ``riskgraph.api.access``; and what a caller without a valid key gets."""

from __future__ import annotations

import pytest

from riskgraph.api import access, auth, feedback
from riskgraph.api.access import FIELDS, ROLES
from riskgraph.api.schema import schema
from tests.api.conftest import assert_clean, codes

# The acceptance table: the lowest role each field needs. access.FIELDS must say the same.
SPEC = {
    "clearance": ["Query.me", "Query.entityRisk", "Query.assessDeclaration"],
    "officer": ["Query.entity", "Query.keyTargets", "Query.suspiciousNetworks", "Query.search", "Query.dossier", "Query.watchlist",
                "Query.riskProfiles", "Query.riskProfile", "Query.riskProfileHistory", "Query.profileEffectiveness",
                "Query.profileSuggestions", "Mutation.createRiskProfile", "Mutation.editRiskProfile", "Mutation.setRiskProfileActive",
                "Mutation.adoptProfileSuggestion",
                "Query.monitoringQueue", "Query.auditPlan",
                "Query.tips", "Query.tipStatistics", "Mutation.raiseTip", "Mutation.recordTipOutcome", "Query.compliance"],
    "investigator": ["IntelReport.summary", "IntelReport.sourceKind", "Query.connection", "Query.neighbourhood", "Mutation.submitIntel"],
    "admin": ["Query.apiKeys", "Query.auditLog", "Mutation.createApiKey", "Mutation.revokeApiKey", "Mutation.recordInspectionResult",
              "Mutation.addWatchlist", "Mutation.removeWatchlist"],
}

ENTERPRISE = "0309757719"  # Công ty Cổ phần Dệt may Long Thịnh
OTHER = "0358652243"  # shares a bank account with it
WITH_INTEL = "0230028137"  # three intel reports
DOSSIER = f'dossier(kind: ENTERPRISE, id: "{WITH_INTEL}")'

# coordinate -> (a valid request that selects it, every restricted coordinate the request selects)
CASES: dict[str, tuple[str, list[str]]] = {
    "Query.me": ("{ me { name role readable } }", []),
    "Query.entityRisk": (f'{{ entityRisk(refs: [{{kind: ENTERPRISE, id: "{ENTERPRISE}"}}]) {{ id known risk {{ score }} }} }}', []),
    "Query.assessDeclaration": (
        '{ assessDeclaration(input: {declarationNo: "109999000001", direction: "import", '
        f'registeredAt: "2024-06-30T10:00:00+07:00", traderTaxCode: "{ENTERPRISE}"}}) {{ channel score }} }}', []),
    "Query.entity": (f'{{ entity(kind: ENTERPRISE, id: "{ENTERPRISE}") {{ id name }} }}', []),
    "Query.keyTargets": ("{ keyTargets(kind: ENTERPRISE, first: 2) { totalCount edges { node { id } } } }", []),
    "Query.suspiciousNetworks": ("{ suspiciousNetworks(first: 2) { totalCount edges { node { rank } } } }", []),
    "Query.search": ('{ search(text: "long thinh") { matched entity { id } } }', []),
    "Query.dossier": (f"{{ {DOSSIER} {{ entity {{ id }} intel {{ reportId grade }} }} }}", []),
    "Query.watchlist": ("{ watchlist { totalCount entries { entity } } }", []),
    "Query.riskProfiles": ("{ riskProfiles { profileId version } }", []),
    "Query.riskProfile": ('{ riskProfile(id: "RP-NONE") { profileId } }', []),
    "Query.riskProfileHistory": ('{ riskProfileHistory(id: "RP-NONE") { version } }', []),
    "Query.profileEffectiveness": ('{ profileEffectiveness(from: "2024-01-01", until: "2024-01-31") { profileId hits } }', []),
    "Mutation.createRiskProfile": ('mutation { createRiskProfile(active: false, input: {ownerUnit: "QLRR", '
                                   'criteria: "hs in 0808", reason: "role matrix", lane: YELLOW}) { version } }', []),
    "Mutation.editRiskProfile": ('mutation { editRiskProfile(id: "RP-NONE", version: 1, note: "role matrix", input: {lane: RED}) '
                                 '{ version } }', []),
    "Mutation.setRiskProfileActive": ('mutation { setRiskProfileActive(id: "RP-NONE", version: 1, active: false, note: "role matrix") '
                                      '{ version } }', []),
    "Query.profileSuggestions": ("{ profileSuggestions(first: 2) { rank criteria } }", []),
    "Mutation.adoptProfileSuggestion": ('mutation { adoptProfileSuggestion(rank: 1, ownerUnit: "QLRR") { profileId } }', []),
    "Query.compliance": ('{ compliance(period: "2024-Q2") { overall { found n rate } targeting { lift } } }', []),
    "Query.monitoringQueue": ("{ monitoringQueue(first: 2) { edges { node { declarationNo alerts { kind } } } } }", []),
    "Query.auditPlan": ('{ auditPlan(period: "2024-Q2", first: 2) { selected declarations { declarationNo } } }', []),
    "Query.connection": (
        f'{{ connection(from: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, to: {{kind: ENTERPRISE, id: "{OTHER}"}}) {{ found }} }}', []),
    "Query.neighbourhood": (f'{{ neighbourhood(kind: ENTERPRISE, id: "{ENTERPRISE}", limit: 5) {{ truncated nodes {{ key }} }} }}', []),
    "Query.tips": ('{ tips(period: "2024") { tipId } }', []),
    "Query.tipStatistics": ('{ tipStatistics(period: "2024-Q2", by: OFFICER) { unit officer raised } }', []),
    "Query.apiKeys": ("{ apiKeys { keyId role } }", []),
    "Query.auditLog": ("{ auditLog(first: 1) { entryId } }", []),
    "IntelReport.summary": (f"{{ {DOSSIER} {{ intel {{ reportId summary }} }} }}", ["Query.dossier"]),
    "IntelReport.sourceKind": (f"{{ {DOSSIER} {{ intel {{ reportId sourceKind }} }} }}", ["Query.dossier"]),
    "Mutation.submitIntel": (
        'mutation { submitIntel(input: {receivedOn: "2024-06-01", reliability: "B", credibility: "2", '
        f'subjectKind: ENTERPRISE, subjectId: "{WITH_INTEL}", summary: "role matrix"}}) {{ reportId }} }}', []),
    "Mutation.recordInspectionResult": ('mutation { recordInspectionResult(declarationNo: "101445708915", result: COMPLIANT) { declarationNo } }', []),
    "Mutation.addWatchlist": ('mutation { addWatchlist(ref: {kind: PERSON, id: "027069151984"}, reason: "role matrix") { entryId owner } }', []),
    "Mutation.removeWatchlist": ('mutation { removeWatchlist(ref: {kind: PERSON, id: "027069151984"}, reason: "role matrix") }', []),
    "Mutation.raiseTip": ('mutation { raiseTip(declarationNo: "101445708915", lane: RED, reason: "role matrix") { tipId } }', []),
    # {tip}: a tip of its own for each request, raised by the test (a second first outcome on one tip is refused)
    "Mutation.recordTipOutcome": ('mutation { recordTipOutcome(tipId: "{tip}", violationFound: false) { outcome { version } } }', []),
    "Mutation.createApiKey": ('mutation { createApiKey(role: "clearance", name: "role matrix") { keyId } }', []),
    "Mutation.revokeApiKey": ('mutation { revokeApiKey(keyId: "000000000000") { keyId } }', []),
}

# The same restricted sub-fields reached through a fragment, an inline fragment and an alias.
DISGUISED = {
    "fragment": (f"{{ {DOSSIER} {{ intel {{ ...Text }} }} }} fragment Text on IntelReport {{ summary }}", ["Query.dossier", "IntelReport.summary"]),
    "inline fragment": (f"{{ {DOSSIER} {{ intel {{ ... on IntelReport {{ sourceKind }} }} }} }}", ["Query.dossier", "IntelReport.sourceKind"]),
    "alias": (f"{{ d: {DOSSIER} {{ intel {{ s: summary }} }} }}", ["Query.dossier", "IntelReport.summary"]),
    "second field": ('{ entityRisk(refs: []) { id } apiKeys { keyId } }', ["Query.entityRisk", "Query.apiKeys"]),
}


# Fields that need a trained selectivity model, which this world has not: an allowed role
# gets NO_MODEL from the resolver (tests/api/test_suggestions.py serves one with a model).
NEEDS_MODEL = {"Query.profileSuggestions", "Mutation.adoptProfileSuggestion"}


def _root_fields() -> set[str]:
    s = schema._schema
    return {f"{t.name}.{name}" for t in (s.query_type, s.mutation_type) for name in t.fields}


def test_the_role_table_is_the_one_agreed():
    assert ROLES == ("clearance", "officer", "investigator", "admin")
    assert FIELDS == {coordinate: role for role, coordinates in SPEC.items() for coordinate in coordinates}


def test_every_root_field_and_restricted_field_has_a_case():
    assert set(CASES) == set(FIELDS) | _root_fields()
    assert _root_fields() <= set(FIELDS), "a root field open to every role: put it in access.FIELDS"


def _expect(role: str, coordinates: list[str]) -> bool:
    return all(access.allowed(role, c) for c in coordinates)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("coordinate", sorted(CASES))
def test_every_role_against_every_field(own_api, role, coordinate):
    query, also = CASES[coordinate]
    if "{tip}" in query:
        admin = auth.Principal("0" * 12, "role matrix", "admin")
        query = query.replace("{tip}", feedback.raise_tip(own_api.store, "101445708915", "red", "role matrix", admin)["tip_id"])
    response = own_api.post(query, role=role)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_clean(answer)
    if _expect(role, [coordinate, *also]) and coordinate in NEEDS_MODEL:
        assert codes(answer) == ["NO_MODEL"], answer  # let through: the resolver ran, and found no model in this world
    elif _expect(role, [coordinate, *also]):
        assert "FORBIDDEN" not in codes(answer)
        assert "errors" not in answer, answer
        assert answer["data"] is not None
    else:
        assert "FORBIDDEN" in codes(answer), answer
        assert "data" not in answer, answer
        assert any(coordinate in e["message"] for e in answer["errors"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("how", sorted(DISGUISED))
def test_restricted_fields_are_found_however_they_are_written(own_api, role, how):
    query, coordinates = DISGUISED[how]
    answer = own_api.post(query, role=role).json()
    if _expect(role, coordinates):
        assert "errors" not in answer, answer
    else:
        assert codes(answer) and set(codes(answer)) == {"FORBIDDEN"}
        assert "data" not in answer


@pytest.mark.parametrize("role", ROLES)
def test_me_names_the_key_and_the_restricted_fields_its_role_may_read(api, role):
    me = api.data("{ me { name role readable } }", role=role)["me"]
    assert (me["name"], me["role"]) == (api.names[role], role)
    assert me["readable"] == sorted(c for c, needed in FIELDS.items() if ROLES.index(role) >= ROLES.index(needed))
    assert ("Query.dossier" in me["readable"]) == (role != "clearance")
    assert ("IntelReport.summary" in me["readable"]) == (role in ("investigator", "admin"))


def test_an_officer_reads_intel_grades_but_not_their_text(own_api):
    intel = own_api.data(CASES["Query.dossier"][0], role="officer")["dossier"]["intel"]
    assert [r["grade"] for r in intel] and all(set(r) == {"reportId", "grade"} for r in intel)


def _unauthenticated(response) -> None:
    assert response.status_code == 401, response.text
    answer = response.json()
    assert "data" not in answer
    assert codes(answer) == ["UNAUTHENTICATED"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert_clean(answer)


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer not-a-key"},
    {"Authorization": "Bearer rg_zzzzzzzzzzzz_" + "a" * 43},
    {"Authorization": "Bearer rg_0123456789ab_" + "a" * 42},
    {"Authorization": "Bearer rg_0123456789ab_" + "a" * 43},  # well formed, unknown
    {"X-API-Key": "rg_0123456789ab_" + "a" * 43},
    {"Authorization": "Bearer " + "rg_" * 5000},
], ids=lambda h: repr(h)[:40])
def test_no_key_or_a_malformed_or_unknown_one_gets_401(api, headers):
    _unauthenticated(api.post("{ entityRisk(refs: []) { id } }", role=None, headers=headers))


def test_a_wrong_secret_for_a_real_key_id_gets_401(api):
    real = api.keys["admin"]
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    _unauthenticated(api.post("{ apiKeys { keyId } }", role=None, headers={"Authorization": f"Bearer {forged}"}))


def test_the_key_is_also_accepted_as_x_api_key_and_with_any_case_of_bearer(api):
    for headers in ({"X-API-Key": api.keys["clearance"]}, {"Authorization": f"bearer {api.keys['clearance']}"}):
        response = api.post("{ entityRisk(refs: []) { id } }", role=None, headers=headers)
        assert response.status_code == 200 and response.json() == {"data": {"entityRisk": []}}


def test_a_revoked_key_gets_401(own_api):
    issued = auth.create(own_api.store, "officer", "to be revoked")
    headers = {"Authorization": f"Bearer {issued.key}"}
    assert own_api.post("{ watchlist { totalCount } }", role=None, headers=headers).status_code == 200
    assert own_api.data('mutation($id: String!) { revokeApiKey(keyId: $id) { keyId revokedAt } }', {"id": issued.key_id})["revokeApiKey"]["revokedAt"]
    _unauthenticated(own_api.post("{ watchlist { totalCount } }", role=None, headers=headers))


class _Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _SlowStore:
    """A store whose reads take ``seconds`` of ``clock``."""

    def __init__(self, store, clock: _Clock, seconds: float):
        self.store, self.clock, self.seconds = store, clock, seconds

    def query(self, *args, **kw):
        self.clock.now += self.seconds
        return self.store.query(*args, **kw)


@pytest.mark.parametrize("read_seconds", [0.0, 1.5])
def test_a_key_revoked_on_another_server_is_refused_within_5_s(own_api, read_seconds):
    clock = _Clock()
    keys = auth.Keys(_SlowStore(own_api.store, clock, read_seconds), clock=clock)
    issued = auth.create(own_api.store, "officer", "revoked elsewhere")
    asked = clock.now
    assert keys.authenticate(issued.key) == auth.Principal(issued.key_id, "revoked elsewhere", "officer")
    auth.revoke(own_api.store, issued.key_id)  # by another server: this one's cache still holds the key
    assert keys.remembered(issued.key) == (True, auth.Principal(issued.key_id, "revoked elsewhere", "officer"))
    clock.now = asked + 5.0  # the docs' promise, counted from when the read began
    assert keys.remembered(issued.key) == (False, None)
    assert keys.authenticate(issued.key) is None


def test_unauthenticated_requests_are_refused_before_the_body_is_read(api):
    response = api.client.post("/graphql", content=b"not json at all", headers={"content-type": "application/json"})
    _unauthenticated(response)
