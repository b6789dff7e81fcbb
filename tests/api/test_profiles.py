"""Risk profiles through the API: officers write them, clearance systems may not; every
change is audited; assessDeclaration applies a profile as soon as it is stored."""

from __future__ import annotations

import json

from tests.api.conftest import codes

ENTERPRISE = "0309757719"
CREATE = """mutation($id: String, $input: RiskProfileInput!, $key: String) {
  createRiskProfile(id: $id, input: $input, idempotencyKey: $key) { profileId version active lane criteria validFrom validTo editedBy }
}"""
EDIT = """mutation($id: String!, $version: Int!, $input: RiskProfileInput!, $note: String!) {
  editRiskProfile(id: $id, version: $version, input: $input, note: $note) { profileId version lane note }
}"""
ASSESS = """{ assessDeclaration(input: {declarationNo: "109999000077", direction: "import", registeredAt: "2024-06-30T10:00:00+07:00",
  traderTaxCode: "%s", hsCodes: ["08081000"], originCountry: "CN", valueUsd: 12000, netMassKg: 9000}) {
  channel reasons { factor detail } profileHits { profileId version lane reason instructions } } }""" % ENTERPRISE


def profile(criteria: str = "hs in 0808 and origin = CN", lane: str = "RED") -> dict:
    return {"ownerUnit": "Phòng QLRR Cục HQ TP.HCM", "criteria": criteria, "reason": "apples from CN under-valued",
            "instructions": "weigh the load and check the invoice", "lane": lane, "validFrom": "2024-01-01"}


def _entries(api, operation: str) -> list[dict]:
    return api.store.query("audit_list", {"limit": 1000, "key_name": None, "operation": operation, "before": None})


def test_a_clearance_key_may_read_assessments_but_not_write_profiles(own_api):
    nodes = own_api.nodes()
    answer = own_api.gql(CREATE, {"id": "RP-CLEAR", "input": profile()}, role="clearance")
    assert codes(answer) == ["FORBIDDEN"] and "data" not in answer
    assert own_api.nodes() == nodes
    assert own_api.gql("{ riskProfiles { profileId } }", role="clearance")["errors"]


def test_an_officer_writes_a_profile_and_the_next_assessment_applies_it(own_api):
    before = own_api.data(ASSESS, role="clearance")["assessDeclaration"]
    assert before["profileHits"] == []
    made = own_api.data(CREATE, {"id": "RP-APPLE", "input": profile()}, role="officer")["createRiskProfile"]
    assert made == {"profileId": "RP-APPLE", "version": 1, "active": True, "lane": "RED", "criteria": "hs in 0808 and origin = CN",
                    "validFrom": "2024-01-01", "validTo": None, "editedBy": "test-officer"}
    after = own_api.data(ASSESS, role="clearance")["assessDeclaration"]
    assert after["channel"] == "RED"
    assert after["profileHits"] == [{"profileId": "RP-APPLE", "version": 1, "lane": "RED", "reason": "apples from CN under-valued",
                                     "instructions": "weigh the load and check the invoice"}]
    assert after["reasons"][0]["factor"] == "profile" and "RP-APPLE" in after["reasons"][0]["detail"]
    # Deactivated: the next assessment no longer meets it.
    own_api.data('mutation { setRiskProfileActive(id: "RP-APPLE", version: 1, active: false, note: "season over") { version } }',
                 role="officer")
    assert own_api.data(ASSESS, role="clearance")["assessDeclaration"]["profileHits"] == []
    created = [e for e in _entries(own_api, "createRiskProfile") if json.loads(e["arguments"])["profile_id"] == "RP-APPLE"]
    assert [(e["key_name"], e["role"], e["outcome"], e["result_size"]) for e in created] == [("test-officer", "officer", "ok", 1)]
    assert json.loads(created[0]["arguments"])["criteria"] == "hs in 0808 and origin = CN"
    paused = [json.loads(e["arguments"]) for e in _entries(own_api, "setRiskProfileActive")]
    assert {"profile_id": "RP-APPLE", "from_version": 1, "active": False, "note": "season over", "version": 2} in paused


def test_bad_criteria_are_refused_with_their_column_and_audited_as_rejected(own_api):
    answer = own_api.gql(CREATE, {"id": "RP-BAD", "input": profile("hs in 0808 and origin =")}, role="officer")
    assert codes(answer) == ["BAD_USER_INPUT"] and "column 24" in answer["errors"][0]["message"]
    assert own_api.data('{ riskProfile(id: "RP-BAD") { version } }', role="officer")["riskProfile"] is None
    rejected = [e for e in _entries(own_api, "createRiskProfile") if e["outcome"] == "rejected"]
    assert rejected and "column 24" in json.loads(rejected[0]["arguments"])["refused"]


def test_edits_make_versions_and_a_stale_edit_is_refused(own_api):
    own_api.data(CREATE, {"id": "RP-EDIT", "input": profile(lane="YELLOW")}, role="officer")
    edited = own_api.data(EDIT, {"id": "RP-EDIT", "version": 1, "input": {"lane": "RED"}, "note": "more seizures"}, role="admin")
    assert edited["editRiskProfile"] == {"profileId": "RP-EDIT", "version": 2, "lane": "RED", "note": "more seizures"}
    stale = own_api.gql(EDIT, {"id": "RP-EDIT", "version": 1, "input": {"lane": "GREEN"}, "note": "mine"}, role="investigator")
    assert codes(stale) == ["BAD_USER_INPUT"] and "edited since version 1" in stale["errors"][0]["message"]
    versions = own_api.data('{ riskProfileHistory(id: "RP-EDIT") { version lane editedBy } }', role="officer")["riskProfileHistory"]
    assert versions == [{"version": 1, "lane": "YELLOW", "editedBy": "test-officer"}, {"version": 2, "lane": "RED", "editedBy": "test-admin"}]
    assert own_api.data(EDIT, {"id": "RP-NONE", "version": 1, "input": {"lane": "RED"}, "note": "nothing"})["editRiskProfile"] is None


def test_a_create_retried_with_its_idempotency_key_stores_one_profile(own_api):
    first = own_api.data(CREATE, {"input": profile("hs in 0809"), "key": "retry-1"}, role="officer")["createRiskProfile"]
    again = own_api.data(CREATE, {"input": profile("hs in 0809"), "key": "retry-1"}, role="officer")["createRiskProfile"]
    assert first == again and first["profileId"].startswith("RP-K-")
    assert len(own_api.data('query($id: String!) { riskProfileHistory(id: $id) { version } }',
                            {"id": first["profileId"]}, role="officer")["riskProfileHistory"]) == 1
    assert [e["outcome"] for e in _entries(own_api, "createRiskProfile")
            if json.loads(e["arguments"])["profile_id"] == first["profileId"]] == ["repeat", "ok"]
    reused = own_api.gql(CREATE, {"input": profile("hs in 0810"), "key": "retry-1"}, role="officer")
    assert codes(reused) == ["BAD_USER_INPUT"]


def test_effectiveness_lists_each_profile(own_api):
    own_api.data(CREATE, {"id": "RP-EFFECT", "input": profile("hs in 0808")}, role="officer")
    rows = own_api.data('{ profileEffectiveness(from: "2023-07-01", until: "2024-06-30") { profileId hits inspected foundWrong '
                        'hitRate revenueVnd modelHitRate review } }', role="officer")["profileEffectiveness"]
    row = next(r for r in rows if r["profileId"] == "RP-EFFECT")
    assert row["hits"] > 0 and row["inspected"] <= row["hits"] and row["foundWrong"] <= row["inspected"]
    assert row["hitRate"] is None or 0 <= row["hitRate"] <= 1
