"""What the mutations write: intel and inspection results with their provenance and the
provisional rise of the subject's score, watchlist entries, API keys; and that a retry of
a write stores nothing twice."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from riskgraph.api import auth, dossier, feedback
from riskgraph.api import services as shared
from riskgraph.entities import results
from riskgraph.entities.analysis import analyze
from riskgraph.entities.results import save
from riskgraph.graph.digest import canonical_lines
from tests.api.conftest import CUTOFF, codes
from tests.conftest import SMALL_WORLD

RISK = "risk { score band provisional asOf modelVersion reasons { factor contribution detail } }"
INTEL = f"mutation($i: IntelInput!) {{ submitIntel(input: $i) {{ reportId subject {{ kind id {RISK} }} }} }}"
INSPECT = (f"mutation($d: String!, $r: InspectionResult!, $on: String, $v: ViolationInput) {{ recordInspectionResult(declarationNo: $d, "
           f"result: $r, inspectedOn: $on, violation: $v) {{ declarationNo result violationId subject {{ kind id {RISK} }} }} }}")


def _rows(feed: str) -> list[dict]:
    with open(SMALL_WORLD / f"{feed}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _risk(api, kind: str, key: str) -> dict:
    return api.data(f"query($r: [EntityRef!]!) {{ entityRisk(refs: $r) {{ known {RISK} }} }}", {"r": [{"kind": kind, "id": key}]}, "clearance")["entityRisk"][0]


def _unscored(api, count: int) -> list[str]:
    """Registered enterprises the analysis scored 0: nothing else moves their score."""
    refs = [{"kind": "ENTERPRISE", "id": r["tax_code"]} for r in _rows("enterprises")]
    found = api.data("query($r: [EntityRef!]!) { entityRisk(refs: $r) { id risk { score } } }", {"r": refs}, "clearance")["entityRisk"]
    out = [e["id"] for e in found if e["risk"]["score"] == 0][:count]
    assert len(out) == count, "the small world has too few unscored enterprises"
    return out


@pytest.fixture(scope="module")
def quiet(own_api) -> list[str]:
    return _unscored(own_api, 8)


def _graph(api) -> tuple[dict, dict]:
    return api.nodes(), {r["type"]: r["count"] for r in api.store.query("count_relationships")}


def _analysis_id(api) -> str:
    return api.client.get("/healthz").json()["analysisId"]


# --- submitIntel -------------------------------------------------------------------------


def _intel(subject: str, **change) -> dict:
    return {"receivedOn": "2024-06-20", "reliability": "A", "credibility": "1", "subjectKind": "ENTERPRISE", "subjectId": subject,
            "summary": "Nghi vấn khai thấp trị giá", "sourceKind": "informant", **change}


@pytest.mark.parametrize("change, field", [
    ({"reliability": "Z"}, "reliability"),
    ({"credibility": "9"}, "credibility"),
    ({"receivedOn": "2024-13-01"}, "received_on"),
    ({"receivedOn": "20/06/2024"}, "received_on"),
    ({"sourceKind": "gossip"}, "source_kind"),
    ({"subjectId": ""}, "subject_id"),
    ({"summary": "bell \x07 in the text"}, "summary"),
    ({"reportId": "x" * 65}, "report_id"),
])
def test_submit_intel_is_validated_like_the_feed_and_nothing_is_written(own_api, quiet, change, field):
    before = _graph(own_api)
    answer = own_api.gql(INTEL, {"i": _intel(quiet[0], **change)}, "investigator")
    assert codes(answer) == ["BAD_USER_INPUT"] and answer["data"] is None
    assert answer["errors"][0]["message"].startswith(f"{field}:"), answer
    assert _graph(own_api) == before
    assert _risk(own_api, "ENTERPRISE", quiet[0])["risk"]["score"] == 0


def test_submit_intel_raises_the_subjects_score_at_once_with_provenance(own_api, quiet):
    subject = quiet[1]
    analysis = _analysis_id(own_api)
    trade = {"declarationNo": "109999000002", "direction": "import", "registeredAt": "2024-06-30T10:00:00+07:00", "traderTaxCode": subject}
    assess = "query($i: DeclarationInput!) { assessDeclaration(input: $i) { score reasons { factor } } }"
    channel_before = own_api.data(assess, {"i": trade}, "clearance")["assessDeclaration"]
    runs_before = {r["run_id"] for r in own_api.store.query("runs_list", {"limit": 1000})}

    receipt = own_api.data(INTEL, {"i": _intel(subject, reportId="TB-API-0001")}, "investigator")["submitIntel"]
    assert receipt["reportId"] == "TB-API-0001" and receipt["subject"]["id"] == subject
    risk = receipt["subject"]["risk"]
    assert risk["score"] > 0.1 and risk["provisional"] is True
    assert risk["reasons"][0]["factor"] == "intel" and "TB-API-0001" in risk["reasons"][0]["detail"] and "test-investigator" in risk["reasons"][0]["detail"]
    assert risk["reasons"][0]["contribution"] == pytest.approx(risk["score"], abs=1e-3)
    assert _risk(own_api, "ENTERPRISE", subject)["risk"] == risk  # clearance systems see it at once
    assert _analysis_id(own_api) == analysis  # without a re-analysis
    channel_after = own_api.data(assess, {"i": trade}, "clearance")["assessDeclaration"]
    assert channel_after["score"] > channel_before["score"] and channel_after["reasons"][0]["factor"] == "trader"

    new_runs = [r for r in own_api.store.query("runs_list", {"limit": 1000}) if r["run_id"] not in runs_before]
    assert [(r["feed"], r["status"]) for r in new_runs] == [("api:submitIntel", "finished")]
    lines = canonical_lines(own_api.store, skip_labels=frozenset({"AuditEntry", "Declaration", "RiskScore", "Phone", "Email", "Address"}))
    run = next(line for line in lines if line.startswith(f"N IngestRun:{new_runs[0]['run_id']} "))
    assert '"submitted_by": "test-investigator"' in run and '"key_id": ' in run
    report = next(line for line in lines if line.startswith("N Intel:TB-API-0001 "))
    assert f'"source_run": {new_runs[0]["run_id"]}' in report and '"submitted_by": "test-investigator"' in report

    d = own_api.data(f'{{ dossier(kind: ENTERPRISE, id: "{subject}") {{ intel {{ reportId grade summary sourceKind }} }} }}', role="investigator")
    assert {"reportId": "TB-API-0001", "grade": "A1", "summary": "Nghi vấn khai thấp trị giá", "sourceKind": "informant"} in d["dossier"]["intel"]


def test_more_intel_raises_the_score_again_and_keeps_earlier_reasons(own_api, quiet):
    subject = quiet[1]
    first = _risk(own_api, "ENTERPRISE", subject)["risk"]
    second = own_api.data(INTEL, {"i": _intel(subject, reliability="C", credibility="3", reportId="TB-API-0002")}, "investigator")["submitIntel"]
    risk = second["subject"]["risk"]
    assert first["score"] < risk["score"] < 1 and risk["provisional"]
    assert [r["factor"] for r in risk["reasons"][:2]] == ["intel", "intel"] and "TB-API-0002" in risk["reasons"][0]["detail"]


def test_intel_about_an_unregistered_entity_is_kept_and_scored(own_api):
    assert own_api.data('{ entity(kind: ENTERPRISE, id: "8888888888") { id } }', role="officer") == {"entity": None}
    receipt = own_api.data(INTEL, {"i": _intel("8888888888", reportId="TB-API-0003")}, "investigator")["submitIntel"]
    assert receipt["subject"]["risk"]["provisional"] is True and receipt["subject"]["risk"]["score"] > 0
    found = own_api.data('{ entity(kind: ENTERPRISE, id: "8888888888") { known byReference } }', role="officer")["entity"]
    assert found == {"known": True, "byReference": True}


# --- recordInspectionResult --------------------------------------------------------------


def _declaration(n: int) -> dict:
    """The ``n``th declaration of 2024 not yet inspected whose trader is registered, one trader each."""
    registered, traders, found = {r["tax_code"] for r in _rows("enterprises")}, set(), []
    for r in _rows("declarations"):
        if r["registered_at"] >= "2024-03" and r["inspection_result"] == "none" and r["trader_tax_code"] in registered - traders:
            traders.add(r["trader_tax_code"])
            found.append(r)
    return found[n]


def _inspections(api, trader: str, day: str) -> dict[str, int]:
    found = dossier.dossier(api.store, "enterprise", trader, results.current(api.store), today=date.fromisoformat(day[:10]) + timedelta(days=1))
    return {c.key: c.count for c in found.trade.inspections}


def test_an_inspection_result_is_set_and_its_violation_charged_to_the_trader(own_api, quiet):
    d = _declaration(0)
    trader, before = d["trader_tax_code"], _risk(own_api, "ENTERPRISE", d["trader_tax_code"])["risk"]
    tally = _inspections(own_api, trader, d["registered_at"])
    violation = {"violationId": "VPHC-API-0001", "kind": "undervaluation", "decidedOn": "2024-06-25", "severity": "administrative", "penaltyVnd": 15000000}
    receipt = own_api.data(INSPECT, {"d": d["declaration_no"], "r": "DISCREPANCY", "on": "2024-06-21", "v": violation})["recordInspectionResult"]
    assert (receipt["declarationNo"], receipt["result"], receipt["violationId"]) == (d["declaration_no"], "DISCREPANCY", "VPHC-API-0001")
    assert (receipt["subject"]["kind"], receipt["subject"]["id"]) == ("ENTERPRISE", trader)
    risk = receipt["subject"]["risk"]
    assert risk["score"] > before["score"] and risk["provisional"] and risk["reasons"][0]["factor"] == "violations"
    assert "VPHC-API-0001" in risk["reasons"][0]["detail"]

    after = _inspections(own_api, trader, d["registered_at"])
    assert after.get("discrepancy", 0) == tally.get("discrepancy", 0) + 1 and after.get("none", 0) == tally.get("none", 0) - 1
    file = own_api.data(f'{{ dossier(kind: ENTERPRISE, id: "{trader}") {{ violations {{ violationId kind decidedOn penaltyVnd declarations }} }} }}', role="officer")
    assert {"violationId": "VPHC-API-0001", "kind": "undervaluation", "decidedOn": "2024-06-25", "penaltyVnd": 15000000.0,
            "declarations": [d["declaration_no"]]} in file["dossier"]["violations"]
    feeds = [r["feed"] for r in own_api.store.query("runs_list", {"limit": 1000})]
    assert "api:recordInspectionResult" in feeds


def test_a_compliant_result_records_no_violation(own_api):
    d = _declaration(1)
    receipt = own_api.data(INSPECT, {"d": d["declaration_no"], "r": "COMPLIANT"})["recordInspectionResult"]
    assert receipt["result"] == "COMPLIANT" and receipt["violationId"] is None and receipt["subject"] is None


def test_a_violation_can_name_another_subject(own_api):
    d = _declaration(2)
    person = d["declarant_id"] or "079090859414"
    v = {"violationId": "VPHC-API-0002", "kind": "misclassification", "decidedOn": "2024-06-26", "subjectKind": "PERSON", "subjectId": person}
    receipt = own_api.data(INSPECT, {"d": d["declaration_no"], "r": "DISCREPANCY", "v": v})["recordInspectionResult"]
    assert (receipt["subject"]["kind"], receipt["subject"]["id"]) == ("PERSON", person)


def test_an_unknown_declaration_gives_null(own_api):
    assert own_api.data(INSPECT, {"d": "999999999999", "r": "COMPLIANT"}) == {"recordInspectionResult": None}


@pytest.mark.parametrize("result, on, violation, field", [
    ("COMPLIANT", None, {"violationId": "VPHC-API-9", "kind": "undervaluation", "decidedOn": "2024-06-25"}, "violation"),
    ("DISCREPANCY", "21/06/2024", None, "inspectedOn"),
    ("DISCREPANCY", None, {"violationId": "VPHC-API-9", "kind": "undervaluation", "decidedOn": "soon"}, "decided_on"),
    ("DISCREPANCY", None, {"violationId": "VPHC-API-9", "kind": "bribery", "decidedOn": "2024-06-25"}, "kind"),
    ("DISCREPANCY", None, {"violationId": "VPHC-API-9", "kind": "undervaluation", "decidedOn": "2024-06-25", "penaltyVnd": -1}, "penalty_vnd"),
])
def test_an_invalid_inspection_result_writes_nothing(own_api, quiet, result, on, violation, field):
    d = _declaration(3)
    before, tally = _graph(own_api), _inspections(own_api, d["trader_tax_code"], d["registered_at"])
    answer = own_api.gql(INSPECT, {"d": d["declaration_no"], "r": result, "on": on, "v": violation})
    assert codes(answer) == ["BAD_USER_INPUT"] and answer["errors"][0]["message"].startswith(f"{field}:"), answer
    assert not (answer.get("data") or {}).get("recordInspectionResult")
    assert _graph(own_api) == before
    assert _inspections(own_api, d["trader_tax_code"], d["registered_at"]) == tally


# --- watchlist ---------------------------------------------------------------------------

WATCH = "mutation($k: EntityKind!, $id: String!, $why: String!) { addWatchlist(ref: {kind: $k, id: $id}, reason: $why) { entryId entity reason owner addedAt removedAt } }"
UNWATCH = "mutation($k: EntityKind!, $id: String!, $why: String!) { removeWatchlist(ref: {kind: $k, id: $id}, reason: $why) }"
LIST = "query($first: Int, $after: String) { watchlist(first: $first, after: $after) { totalCount entries { entryId entity reason owner } pageInfo { hasNextPage endCursor } } }"


def test_watchlist_entries_are_added_listed_and_closed_with_reason_and_owner(own_api, quiet):
    start = own_api.data(LIST, role="officer")["watchlist"]["totalCount"]
    added = [own_api.data(WATCH, {"k": "ENTERPRISE", "id": key, "why": f"theo dõi {key}"})["addWatchlist"] for key in quiet[:3]]
    for entry, key in zip(added, quiet):
        assert (entry["entity"], entry["reason"], entry["owner"], entry["removedAt"]) == (f"enterprise:{key}", f"theo dõi {key}", "test-admin", None)

    listed = own_api.data(LIST, {"first": 500}, "officer")["watchlist"]
    assert listed["totalCount"] == start + 3 and {e["entryId"] for e in added} <= {e["entryId"] for e in listed["entries"]}
    first = own_api.data(LIST, {"first": 2}, "officer")["watchlist"]
    rest = own_api.data(LIST, {"first": 500, "after": first["pageInfo"]["endCursor"]}, "officer")["watchlist"]
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert [e["entryId"] for e in first["entries"] + rest["entries"]] == [e["entryId"] for e in listed["entries"]]

    assert own_api.data(UNWATCH, {"k": "ENTERPRISE", "id": quiet[0], "why": "đã xác minh"}) == {"removeWatchlist": 1}
    assert own_api.data(UNWATCH, {"k": "ENTERPRISE", "id": quiet[0], "why": "đã xác minh"}) == {"removeWatchlist": 0}
    after = own_api.data(LIST, {"first": 500}, "officer")["watchlist"]
    assert after["totalCount"] == start + 2 and f"enterprise:{quiet[0]}" not in {e["entity"] for e in after["entries"]}
    history = own_api.data(f'{{ dossier(kind: ENTERPRISE, id: "{quiet[0]}") {{ watchlist {{ reason owner removedAt removedBy removalReason }} }} }}',
                           role="officer")["dossier"]["watchlist"]
    assert len(history) == 1 and history[0]["removedAt"] and (history[0]["removedBy"], history[0]["removalReason"]) == ("test-admin", "đã xác minh")


@pytest.mark.parametrize("why", ["", "  ", "no", "x" * 2001])
def test_a_watchlist_change_needs_a_reason(own_api, quiet, why):
    before = _graph(own_api)
    for query in (WATCH, UNWATCH):
        answer = own_api.gql(query, {"k": "ENTERPRISE", "id": quiet[1], "why": why})
        assert codes(answer) == ["BAD_USER_INPUT"] and answer["errors"][0]["message"].startswith("reason:")
    assert _graph(own_api) == before


# --- API keys ------------------------------------------------------------------------------


def test_a_created_key_works_at_once_and_a_revoked_one_fails_at_once(own_api):
    new = own_api.data('mutation { createApiKey(role: "investigator", name: "analyst tran.thi.b") { keyId name role key } }')["createApiKey"]
    assert (new["name"], new["role"]) == ("analyst tran.thi.b", "investigator") and new["key"].startswith(f"rg_{new['keyId']}_")
    headers = {"Authorization": f"Bearer {new['key']}"}
    query = '{ neighbourhood(kind: AGENT, id: "DL020008", limit: 3) { truncated } }'
    assert own_api.post(query, role=None, headers=headers).json() == {"data": {"neighbourhood": {"truncated": True}}}
    assert own_api.post("{ apiKeys { keyId } }", role=None, headers=headers).json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    keys = own_api.data("{ apiKeys { keyId name role createdAt createdBy revokedAt } }")["apiKeys"]
    listed = next(k for k in keys if k["keyId"] == new["keyId"])
    assert listed["createdBy"] == "test-admin" and listed["revokedAt"] is None and listed["createdAt"]
    assert {k["name"] for k in keys} >= set(own_api.names.values())

    revoked = own_api.data('mutation($k: String!) { revokeApiKey(keyId: $k) { keyId revokedAt } }', {"k": new["keyId"]})["revokeApiKey"]
    assert revoked["keyId"] == new["keyId"] and revoked["revokedAt"]
    response = own_api.post(query, role=None, headers=headers)
    assert response.status_code == 401 and response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert own_api.data('mutation($k: String!) { revokeApiKey(keyId: $k) { revokedAt } }', {"k": new["keyId"]})["revokeApiKey"]["revokedAt"] == revoked["revokedAt"]


@pytest.mark.parametrize("role, name", [("root", "someone"), ("Admin", "someone"), ("officer", ""), ("officer", "a\nb"), ("officer", "x" * 101),
                                        ("officer", "tran.thi.b\u202eadmin")])
def test_a_key_needs_a_known_role_and_a_printable_name(own_api, role, name):
    before = len(own_api.store.query("apikey_list"))
    answer = own_api.gql("mutation($r: String!, $n: String!) { createApiKey(role: $r, name: $n) { keyId } }", {"r": role, "n": name})
    assert codes(answer) == ["BAD_USER_INPUT"] and answer["data"] is None
    assert len(own_api.store.query("apikey_list")) == before


# --- after a new analysis -----------------------------------------------------------------


def test_a_new_analysis_replaces_provisional_scores_and_old_cursors(own_api, quiet, monkeypatch):
    page = own_api.data("{ keyTargets(kind: ENTERPRISE, first: 2) { pageInfo { endCursor } } }", role="officer")["keyTargets"]
    old = _analysis_id(own_api)
    save(own_api.store, analyze(own_api.store, CUTOFF))
    monkeypatch.setattr(shared, "CURRENT_SECONDS", 0.0)
    assert _analysis_id(own_api) != old
    answer = own_api.gql("query($a: String) { keyTargets(kind: ENTERPRISE, first: 2, after: $a) { totalCount } }", {"a": page["pageInfo"]["endCursor"]}, "officer")
    assert codes(answer) == ["STALE_CURSOR"]
    risk = _risk(own_api, "ENTERPRISE", quiet[1])["risk"]
    assert risk["provisional"] is False and risk["score"] > 0  # the intel is now evidence the analysis reads
    assert any(r["factor"] == "intel" for r in risk["reasons"])


# --- safe retries --------------------------------------------------------------------------
# Last in the module: the intel and violations these write would change the ranker the
# re-analysis above fits, and with it the score it checks.

KEYED_INTEL = f"mutation($i: IntelInput!, $k: String) {{ submitIntel(input: $i, idempotencyKey: $k) {{ reportId subject {{ kind id {RISK} }} }} }}"
KEYED_WATCH = ("mutation($id: String!, $why: String!, $k: String) { addWatchlist(ref: {kind: ENTERPRISE, id: $id}, reason: $why, "
               "idempotencyKey: $k) { entryId entity reason owner addedAt } }")


def _audited(api, operation: str, count: int) -> list[tuple[str, str, str]]:
    """The last ``count`` audit entries of ``operation``, oldest first: key name, outcome, arguments."""
    rows = api.data(f'{{ auditLog(first: {count}, operation: "{operation}") {{ keyName outcome arguments }} }}')["auditLog"]
    return [(r["keyName"], r["outcome"], r["arguments"]) for r in reversed(rows)]


def _runs(api) -> int:
    return len(api.store.query("runs_list", {"limit": 100_000}))


def test_a_retry_with_the_same_idempotency_key_stores_one_report_and_raises_the_score_once(own_api, quiet):
    subject, runs = quiet[4], _runs(own_api)
    intel = _intel(subject)
    first = own_api.data(KEYED_INTEL, {"i": intel, "k": "retry-0001"}, "investigator")["submitIntel"]
    stored = _graph(own_api)
    second = own_api.data(KEYED_INTEL, {"i": intel, "k": "retry-0001"}, "investigator")["submitIntel"]

    assert second == first and first["reportId"].startswith("API-K-")  # the same answer, the same id
    assert _graph(own_api) == stored and _runs(own_api) == runs + 1  # the retry wrote nothing, not even a run
    risk = _risk(own_api, "ENTERPRISE", subject)["risk"]
    assert risk == first["subject"]["risk"] and risk["score"] > 0
    assert [r["factor"] for r in risk["reasons"]].count("intel") == 1  # raised once
    intel_ids = [i["reportId"] for i in own_api.data(f'{{ dossier(kind: ENTERPRISE, id: "{subject}") {{ intel {{ reportId }} }} }}',
                                                     role="investigator")["dossier"]["intel"]]
    assert intel_ids == [first["reportId"]]
    audited = _audited(own_api, "submitIntel", 2)
    assert [(name, outcome) for name, outcome, _ in audited] == [("test-investigator", "ok"), ("test-investigator", "repeat")]
    assert all('"idempotency_key": "retry-0001"' in arguments for _, _, arguments in audited)


def test_the_same_idempotency_key_with_a_different_request_is_refused(own_api, quiet):
    subject = quiet[5]
    own_api.data(KEYED_INTEL, {"i": _intel(subject), "k": "retry-0002"}, "investigator")
    before, risk, other = _graph(own_api), _risk(own_api, "ENTERPRISE", subject)["risk"], _risk(own_api, "ENTERPRISE", quiet[6])["risk"]
    for changed in (_intel(subject, summary="Nghi vấn khai sai xuất xứ"), _intel(quiet[6]), _intel(subject, reliability="B")):
        answer = own_api.gql(KEYED_INTEL, {"i": changed, "k": "retry-0002"}, "investigator")
        assert codes(answer) == ["BAD_USER_INPUT"] and answer["data"] is None
        assert answer["errors"][0]["message"].startswith("idempotencyKey: idempotency key 'retry-0002' was used for a different request")
    assert _graph(own_api) == before and _risk(own_api, "ENTERPRISE", subject)["risk"] == risk
    assert _risk(own_api, "ENTERPRISE", quiet[6])["risk"] == other
    assert [outcome for _, outcome, _ in _audited(own_api, "submitIntel", 3)] == ["rejected"] * 3


def test_two_api_keys_with_the_same_idempotency_key_do_not_collide(own_api, quiet):
    subject, nodes = quiet[7], own_api.nodes()
    mine = own_api.data(KEYED_INTEL, {"i": _intel(subject), "k": "retry-0003"}, "investigator")["submitIntel"]
    theirs = own_api.data(KEYED_INTEL, {"i": _intel(subject), "k": "retry-0003"}, "admin")["submitIntel"]
    assert mine["reportId"] != theirs["reportId"] and own_api.nodes()["Intel"] == nodes["Intel"] + 2
    assert theirs["subject"]["risk"]["score"] > mine["subject"]["risk"]["score"]  # two reports: raised twice
    assert [(name, outcome) for name, outcome, _ in _audited(own_api, "submitIntel", 2)] == [("test-investigator", "ok"), ("test-admin", "ok")]
    # and each caller's retry is still recognised as its own
    assert own_api.data(KEYED_INTEL, {"i": _intel(subject), "k": "retry-0003"}, "admin")["submitIntel"]["reportId"] == theirs["reportId"]
    assert own_api.nodes()["Intel"] == nodes["Intel"] + 2


def test_without_an_idempotency_key_each_call_is_a_new_report(own_api):
    nodes = own_api.nodes()
    ids = {own_api.data(KEYED_INTEL, {"i": _intel("8888888887")}, "investigator")["submitIntel"]["reportId"] for _ in range(2)}
    assert len(ids) == 2 and own_api.nodes()["Intel"] == nodes["Intel"] + 2
    assert all(not i.startswith("API-K-") for i in ids)
    assert [outcome for _, outcome, _ in _audited(own_api, "submitIntel", 2)] == ["ok", "ok"]


def test_a_resent_report_id_stores_nothing_and_raises_the_score_once(own_api):
    intel = _intel("8888888886", reportId="TB-API-0100")
    first = own_api.data(INTEL, {"i": intel}, "investigator")["submitIntel"]
    stored, runs = _graph(own_api), _runs(own_api)
    assert own_api.data(INTEL, {"i": intel}, "investigator")["submitIntel"] == first
    assert _graph(own_api) == stored and _runs(own_api) == runs
    assert [outcome for _, outcome, _ in _audited(own_api, "submitIntel", 2)] == ["ok", "repeat"]


@pytest.mark.parametrize("key", ["", "x" * 101, "a\nb", "a\tb", "a\u202eb", "a\u2066b", "a\x7fb", "a\u200bb"])
def test_an_idempotency_key_is_printable_and_short(own_api, quiet, key):
    before = _graph(own_api)
    for query, variables, role in ((KEYED_INTEL, {"i": _intel(quiet[6])}, "investigator"),
                                   (KEYED_WATCH, {"id": quiet[6], "why": "theo dõi"}, "admin")):
        answer = own_api.gql(query, {**variables, "k": key}, role)
        assert codes(answer) == ["BAD_USER_INPUT"] and answer["errors"][0]["message"].startswith("idempotencyKey: an idempotency key is 1-100"), answer
    assert _graph(own_api) == before


def test_a_report_id_and_an_idempotency_key_together_are_refused(own_api, quiet):
    before = _graph(own_api)
    answer = own_api.gql(KEYED_INTEL, {"i": _intel(quiet[6], reportId="TB-API-0101"), "k": "retry-0004"}, "investigator")
    assert codes(answer) == ["BAD_USER_INPUT"] and "not both" in answer["errors"][0]["message"]
    assert _graph(own_api) == before


def test_a_watchlist_retry_with_the_same_key_adds_one_entry(own_api, quiet):
    total = own_api.data(LIST, role="officer")["watchlist"]["totalCount"]
    request = {"id": quiet[6], "why": "theo dõi lô hàng", "k": "watch-0001"}
    first = own_api.data(KEYED_WATCH, request)["addWatchlist"]
    assert own_api.data(KEYED_WATCH, request)["addWatchlist"] == first and first["entryId"].startswith("W-K-")
    assert own_api.data(LIST, role="officer")["watchlist"]["totalCount"] == total + 1
    assert [outcome for _, outcome, _ in _audited(own_api, "addWatchlist", 2)] == ["ok", "repeat"]

    answer = own_api.gql(KEYED_WATCH, {**request, "why": "một lý do khác"})
    assert codes(answer) == ["BAD_USER_INPUT"] and "'watch-0001' was used for a different request" in answer["errors"][0]["message"]
    # without a key, as before: every call is an entry of its own
    plain = [own_api.data(KEYED_WATCH, {"id": quiet[6], "why": "theo dõi lô hàng"})["addWatchlist"]["entryId"] for _ in range(2)]
    assert len(set(plain) | {first["entryId"]}) == 3
    assert own_api.data(LIST, role="officer")["watchlist"]["totalCount"] == total + 3


def test_a_resent_violation_is_recorded_once_and_raises_the_score_once(own_api):
    d = _declaration(4)
    violation = {"violationId": "VPHC-API-0100", "kind": "undervaluation", "decidedOn": "2024-06-25", "severity": "administrative"}
    request = {"d": d["declaration_no"], "r": "DISCREPANCY", "on": "2024-06-22", "v": violation}
    first = own_api.data(INSPECT, request)["recordInspectionResult"]
    stored, runs = _graph(own_api), _runs(own_api)
    second = own_api.data(INSPECT, request)["recordInspectionResult"]
    assert second == first and (first["subject"]["kind"], first["subject"]["id"]) == ("ENTERPRISE", d["trader_tax_code"])
    assert _graph(own_api) == stored and _runs(own_api) == runs
    reasons = _risk(own_api, "ENTERPRISE", d["trader_tax_code"])["risk"]["reasons"]
    assert sum("VPHC-API-0100" in r["detail"] for r in reasons) == 1
    assert [outcome for _, outcome, _ in _audited(own_api, "recordInspectionResult", 2)] == ["ok", "repeat"]


def test_a_copy_that_found_nothing_stored_yet_does_not_raise_the_score_again(own_api, monkeypatch):
    # What two server processes do when one request reaches both at once: each looks for
    # the report before either has stored it, and both write it.
    who, values = auth.Principal("0123456789ab", "test-race", "investigator"), {
        "received_on": "2024-06-20", "reliability": "A", "credibility": "1", "subject_kind": "enterprise", "subject_id": "8888888885",
        "summary": "Nghi vấn khai thấp trị giá", "source_kind": "informant", "report_id": None}
    query = own_api.store.query
    looked = []

    def not_yet_stored(name, params=None, **kw):
        if name == "intel_request" and not looked:
            looked.append(name)
            return []
        return query(name, params, **kw)

    first = feedback.submit_intel(own_api.store, values, who, "race-0001")
    score = _risk(own_api, "ENTERPRISE", "8888888885")["risk"]
    monkeypatch.setattr(own_api.store, "query", not_yet_stored)
    second = feedback.submit_intel(own_api.store, values, who, "race-0001")
    assert looked and first["repeat"] is False and second == {**first, "repeat": True}
    assert _risk(own_api, "ENTERPRISE", "8888888885")["risk"] == score
    reports = own_api.data('{ dossier(kind: ENTERPRISE, id: "8888888885") { intel { reportId } } }', role="investigator")["dossier"]["intel"]
    assert reports == [{"reportId": first["report_id"]}]
