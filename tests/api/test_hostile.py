"""Hostile text in every input: injection attempts, very long strings, NUL and control
characters, RTL marks and emoji, prototype keys. Never a 5xx, never an internal error, no
leak of the server's insides, and nothing written when the input is refused."""

from __future__ import annotations

import json

import pytest

from riskgraph.graph.digest import graph_digest
from tests.api.conftest import LEAKS, codes

ENTERPRISE = "0309757719"
HOSTILE = {
    "cypher": "') MATCH (n) DETACH DELETE n //",
    "cypher2": '"}) MATCH (n) SET n.score = 1 RETURN n //',
    "sql": "' OR 1=1; DROP TABLE x; --",
    "param": "$x",
    "long": "x" * 10_000,
    "nul": "a\x00b",
    "control": "a\x07\x1b[31mb\x7f",
    "newlines": "a\r\nb\u2028c",
    "rtl_emoji": "\u202eevil\u202c 🚢🔥 مرحبا",  # a right-to-left override: refused as text, it could make a table lie
    "rtl_text": "🚢🔥 مرحبا עברית",  # right-to-left scripts themselves are text
    "proto": '{"__proto__": 1}',
    "surrogate": "a\ud800b",
    "empty": "",
    "blank": "   ",
    "fullwidth": "０３０９７５７７１９",
    "percent": "%s%n%x\\",
}
# Operations whose text input is an id, a search text or an intel summary (the first group)
# and every other text input of the schema (the second).
IDS_SEARCH_INTEL = {
    "entity": ("query($t: String!) { entity(kind: ENTERPRISE, id: $t) { id } }", "officer"),
    "entityRisk": ("query($t: String!) { entityRisk(refs: [{kind: PERSON, id: $t}]) { id known risk { score } } }", "clearance"),
    "dossier": ("query($t: String!) { dossier(kind: VEHICLE, id: $t) { entity { id } } }", "officer"),
    "connection": (f'query($t: String!) {{ connection(from: {{kind: ENTERPRISE, id: $t}}, to: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}) {{ found }} }}', "investigator"),
    "neighbourhood": ("query($t: String!) { neighbourhood(kind: AGENT, id: $t) { truncated } }", "investigator"),
    "search": ("query($t: String!) { search(text: $t) { matched entity { id } } }", "officer"),
    "intel summary": ('mutation($t: String!) { submitIntel(input: {receivedOn: "2024-05-05", reliability: "B", credibility: "2", '
                      f'subjectKind: ENTERPRISE, subjectId: "{ENTERPRISE}", summary: $t}}) {{ reportId }} }}', "investigator"),
    "intel subject": ('mutation($t: String!) { submitIntel(input: {receivedOn: "2024-05-05", reliability: "B", credibility: "2", '
                      'subjectKind: PERSON, subjectId: $t, summary: "s"}) { reportId } }', "investigator"),
    "watch id": ('mutation($t: String!) { addWatchlist(ref: {kind: PERSON, id: $t}, reason: "hostile id") { entryId } }', "admin"),
}
OTHER_TEXT = {
    "assess": ("query($t: String!) { assessDeclaration(input: {declarationNo: $t, direction: $t, registeredAt: $t, traderTaxCode: $t, "
               "hsCodes: [$t], partnerName: $t, goodsDescription: $t}) { channel } }", "clearance"),
    "keyTargets": ("query($t: String!) { keyTargets(kind: ENTERPRISE, province: $t) { totalCount } }", "officer"),
    "cursor": ("query($t: String!) { keyTargets(kind: ENTERPRISE, after: $t) { totalCount } }", "officer"),
    "watchlist cursor": ("query($t: String!) { watchlist(after: $t) { totalCount } }", "officer"),
    "auditLog": ("query($t: String!) { auditLog(keyName: $t, operation: $t, before: $t) { entryId } }", "admin"),
    "intel fields": ("mutation($t: String!) { submitIntel(input: {receivedOn: $t, reliability: $t, credibility: $t, subjectKind: ENTERPRISE, "
                     "subjectId: $t, summary: $t, sourceKind: $t, reportId: $t}) { reportId } }", "investigator"),
    "inspection": ("mutation($t: String!) { recordInspectionResult(declarationNo: $t, result: DISCREPANCY, inspectedOn: $t) { declarationNo } }", "admin"),
    "inspection violation": ('mutation($t: String!) { recordInspectionResult(declarationNo: "101445708915", result: DISCREPANCY, '
                             "violation: {violationId: $t, kind: $t, decidedOn: $t, subjectId: $t, severity: $t, detectedBy: $t}) { declarationNo } }", "admin"),
    "watch reason": (f'mutation($t: String!) {{ addWatchlist(ref: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, reason: $t) {{ entryId }} }}', "admin"),
    "intel idempotency key": ('mutation($t: String!) { submitIntel(input: {receivedOn: "2024-05-05", reliability: "B", credibility: "2", '
                              f'subjectKind: ENTERPRISE, subjectId: "{ENTERPRISE}", summary: "s"}}, idempotencyKey: $t) {{ reportId }} }}', "investigator"),
    "watch idempotency key": (f'mutation($t: String!) {{ addWatchlist(ref: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, reason: "hostile key", '
                              'idempotencyKey: $t) { entryId } }', "admin"),
    "unwatch reason": (f'mutation($t: String!) {{ removeWatchlist(ref: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, reason: $t) }}', "admin"),
    "createApiKey": ("mutation($t: String!) { createApiKey(role: $t, name: $t) { keyId } }", "admin"),
    "createApiKey name": ('mutation($t: String!) { createApiKey(role: "clearance", name: $t) { keyId } }', "admin"),
    "revokeApiKey": ("mutation($t: String!) { revokeApiKey(keyId: $t) { keyId } }", "admin"),
}


def _check(api, query: str, role: str, value: str, *, echo_allowed: bool):
    """Send ``value``; return the answer after checking it is neither a 5xx nor an internal
    error and that its errors show nothing of the server (``echo_allowed``: but what the
    client sent, which a validation message may quote back)."""
    before = api.nodes()
    response = api.post(query, {"t": value}, role)
    assert response.status_code < 500, response.text
    answer = response.json()
    assert not {"INTERNAL", "STORE_UNAVAILABLE", "TIMEOUT"} & set(codes(answer)), answer
    for e in answer.get("errors", []):
        text = json.dumps(e, ensure_ascii=False)
        for leak in LEAKS + ("MATCH ",):
            assert leak not in text or (echo_allowed and leak in value), e
    refused = response.status_code >= 400 or (answer.get("errors") and not any((answer.get("data") or {}).values()))
    if refused:
        assert set(codes(answer)) <= {"BAD_USER_INPUT", "STALE_CURSOR", "GRAPHQL_VALIDATION_FAILED"}, answer
        assert api.nodes() == before  # every API write starts an IngestRun: a node
    return response, answer


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("operation", list(IDS_SEARCH_INTEL))
def test_hostile_ids_search_text_and_intel(own_api, operation, value):
    query, role = IDS_SEARCH_INTEL[operation]
    _check(own_api, query, role, value, echo_allowed=False)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("operation", list(OTHER_TEXT))
def test_hostile_text_anywhere_else(own_api, operation, value):
    query, role = OTHER_TEXT[operation]
    _check(own_api, query, role, value, echo_allowed=True)


@pytest.mark.parametrize("name", ["cypher", "sql", "param", "rtl_text", "proto", "long", "newlines"])
def test_accepted_hostile_text_is_stored_as_text(own_api, name):
    value = HOSTILE[name]
    nodes = own_api.nodes()
    receipt = own_api.data(IDS_SEARCH_INTEL["intel summary"][0], {"t": value}, "investigator")["submitIntel"]
    assert own_api.nodes()["Intel"] == nodes["Intel"] + 1 and own_api.nodes()["Declaration"] == nodes["Declaration"]
    intel = own_api.data(f'{{ dossier(kind: ENTERPRISE, id: "{ENTERPRISE}") {{ intel {{ reportId summary }} }} }}', role="investigator")["dossier"]["intel"]
    assert {"reportId": receipt["reportId"], "summary": value} in intel


def test_a_bidirectional_override_in_intel_is_refused_and_stores_nothing(own_api):
    nodes = own_api.nodes()
    answer = own_api.gql(IDS_SEARCH_INTEL["intel summary"][0], {"t": HOSTILE["rtl_emoji"]}, "investigator")
    assert codes(answer) == ["BAD_USER_INPUT"] and "bidirectional control character U+202E" in answer["errors"][0]["message"]
    assert own_api.nodes() == nodes


def test_injection_in_ids_finds_nothing_and_changes_nothing(own_api):
    digest = graph_digest(own_api.store, skip_labels=frozenset({"AuditEntry"}))
    # not the values above: the intel tests made by-reference entities of some of those
    for value in ("') MATCH (m) DETACH DELETE m RETURN 1 //", '" OR ""="', "$x1", "{x}", "*.*", ".*", "%_"):
        for operation in ("entity", "entityRisk", "dossier", "connection", "neighbourhood", "search"):
            query, role = IDS_SEARCH_INTEL[operation]
            answer = own_api.gql(query, {"t": value}, role)
            assert "errors" not in answer, answer
            found = next(iter(answer["data"].values()))
            assert found in (None, []) or found == [{"id": value, "known": False, "risk": {"score": 0.0}}], (operation, found)
    assert graph_digest(own_api.store, skip_labels=frozenset({"AuditEntry"})) == digest


def test_huge_numbers_and_prototype_variables_are_refused_cleanly(own_api):
    for query in ("{ keyTargets(kind: ENTERPRISE, minScore: 1e400) { totalCount } }",
                  '{ assessDeclaration(input: {declarationNo: "109999000001", direction: "import", registeredAt: "2024-06-30T10:00:00+07:00", '
                  'traderTaxCode: "0309757719", valueUsd: 1e400}) { channel } }',
                  "{ keyTargets(kind: ENTERPRISE, first: 99999999999) { totalCount } }"):
        response = own_api.post(query, role="officer" if "keyTargets" in query else "clearance")
        assert response.status_code < 500 and codes(response.json()) and set(codes(response.json())) <= {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}, response.text
    query = "query($t: String!) { search(text: $t) { matched } }"
    assert own_api.data(query, {"__proto__": 1, "constructor": {"prototype": 1}, "t": "long thinh"}, "officer")["search"]
    for variables in ({"t": {"__proto__": 1}}, {"t": ["__proto__"]}, {"t": 1}, {"t": None}):
        answer = own_api.gql(query, variables, "officer")
        assert codes(answer) and set(codes(answer)) == {"BAD_USER_INPUT"} and answer.get("data") is None, answer
    response = own_api.client.post("/graphql", content=b'{"query": "{ entityRisk(refs: []) { id } }", "variables": {"__proto__": {"x": 1}}, "__proto__": 1}',
                                   headers={"content-type": "application/json", "Authorization": f"Bearer {own_api.keys['clearance']}"})
    assert response.status_code == 200 and response.json() == {"data": {"entityRisk": []}}


@pytest.mark.parametrize("cursor", ["-5", "-1", "99999999999999999999999", "1e3", " 7"])
def test_forged_cursors_are_refused_or_harmless(own_api, cursor):
    import base64

    analysis = own_api.client.get("/healthz").json()["analysisId"]
    for tag, query, role in ((analysis, "query($a: String) { keyTargets(kind: ENTERPRISE, first: 2, after: $a) { totalCount edges { node { id } } } }", "officer"),
                             ("watchlist", "query($a: String) { watchlist(first: 2, after: $a) { totalCount } }", "officer")):
        forged = base64.urlsafe_b64encode(f"{tag}|{cursor}".encode()).decode()
        response = own_api.post(query, {"a": forged}, role)
        assert response.status_code == 200
        assert set(codes(response.json())) <= {"BAD_USER_INPUT"}, response.text
