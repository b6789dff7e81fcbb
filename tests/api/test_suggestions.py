"""The selectivity model's suggestions through the API: the same lines as `riskgraph
profile suggest`, adopted as risk profiles by officers (by rank or by line) in yellow
unless they say otherwise, every adoption audited, a retry a repeat, a line adopted
twice refused."""

from __future__ import annotations

import json
from datetime import date

import pytest

from riskgraph import declarations as selectivity
from riskgraph.api.app import create_app
from riskgraph.channels import profiles
from riskgraph.declarations import training
from tests.api.conftest import Api, TestClient, codes

SUGGEST = "query($s: Int, $f: Int) { profileSuggestions(minSupport: $s, first: $f) { rank hs6 originCountry procedureCode criteria " \
          "learnedRisk declarations inspections discrepancies discrepancyRate modelVersion } }"
ADOPT = """mutation($rank: Int, $hs6: String, $origin: String, $procedure: String, $lane: Channel, $reason: String, $key: String,
                    $unit: String!) {
  adoptProfileSuggestion(rank: $rank, hs6: $hs6, origin: $origin, procedure: $procedure, lane: $lane, reason: $reason,
                         ownerUnit: $unit, minSupport: 1, idempotencyKey: $key) {
    profileId version active lane criteria reason ownerUnit validFrom editedBy note } }"""
UNIT = "Phòng QLRR Cục HQ Hải Phòng"


@pytest.fixture(scope="module")
def trained(own_api, tmp_path_factory):
    """The module's world served with a selectivity model trained on it: (api, model)."""
    with pytest.MonkeyPatch.context() as mp:  # the small world has too few discrepancies for the real threshold
        mp.setattr(training, "MIN_DISCREPANCIES", 10)
        model = selectivity.train(own_api.store, date(2024, 6, 30), history_months=36, graph=False)
    models = tmp_path_factory.mktemp("models")
    selectivity.save(model, models)
    with TestClient(create_app(own_api.store, models_dir=models), raise_server_exceptions=False) as client:
        yield Api(own_api.settings, own_api.store, client, own_api.keys, own_api.names), model


def _entries(api, operation: str) -> list[dict]:
    return api.store.query("audit_list", {"limit": 1000, "key_name": None, "operation": operation, "before": None})


def test_suggestions_are_the_models_lines_as_the_cli_lists_them(trained):
    api, model = trained
    expected = profiles.suggestions(model, 1)
    assert len(expected) > 3, "the small world's model learned too few lines to test with"
    got = api.data(SUGGEST, {"s": 1, "f": 3}, role="officer")["profileSuggestions"]
    assert [(s["rank"], s["hs6"], s["criteria"], s["declarations"]) for s in got] == [
        (e["rank"], e["hs6"], e["criteria"], e["declarations"]) for e in expected[:3]]
    assert {s["modelVersion"] for s in got} == {model.version}
    assert got[0]["learnedRisk"] == pytest.approx(expected[0]["learned_risk"])
    assert got[0]["criteria"].startswith(f"hs in {got[0]['hs6']}")
    high = max(e["declarations"] for e in expected)
    assert all(s["declarations"] >= high for s in api.data(SUGGEST, {"s": high, "f": 100}, role="officer")["profileSuggestions"])
    assert codes(api.gql(SUGGEST, {"s": 0, "f": 3}, role="officer")) == ["BAD_USER_INPUT"]


def test_a_clearance_key_may_neither_read_nor_adopt_suggestions(trained):
    api, _ = trained
    nodes = api.nodes()
    assert codes(api.gql(SUGGEST, {"s": 1, "f": 3}, role="clearance")) == ["FORBIDDEN"]
    answer = api.gql(ADOPT, {"rank": 1, "unit": UNIT}, role="clearance")
    assert codes(answer) == ["FORBIDDEN"] and "data" not in answer
    assert api.nodes() == nodes


def test_adopting_by_rank_makes_a_yellow_profile_audited_and_a_retry_is_a_repeat(trained):
    api, model = trained
    line = profiles.suggestions(model, 1)[0]
    made = api.data(ADOPT, {"rank": 1, "unit": UNIT}, role="officer")["adoptProfileSuggestion"]
    profile_id = f"LEARNED-{line['hs6']}-{line['origin_country'] or 'any'}-{line['procedure_code'] or 'any'}"
    assert made["profileId"] == profile_id and (made["version"], made["active"], made["lane"]) == (1, True, "YELLOW")
    assert (made["criteria"], made["ownerUnit"], made["editedBy"]) == (line["criteria"], UNIT, "test-officer")
    assert made["reason"].startswith(f"learned line HS {line['hs6']}") and made["validFrom"] == date.today().isoformat()
    assert api.data(ADOPT, {"rank": 1, "unit": UNIT}, role="officer")["adoptProfileSuggestion"] == made
    # Another officer adopting the same line is sent to the profile there is.
    taken = api.gql(ADOPT, {"rank": 1, "unit": "Đội Kiểm soát"}, role="admin")
    assert codes(taken) == ["BAD_USER_INPUT"] and "is taken" in taken["errors"][0]["message"]
    assert len(api.data('query($id: String!) { riskProfileHistory(id: $id) { version } }', {"id": profile_id},
                        role="officer")["riskProfileHistory"]) == 1
    adopted = [(e["key_name"], e["outcome"], json.loads(e["arguments"])) for e in _entries(api, "adoptProfileSuggestion")
               if json.loads(e["arguments"]).get("profile_id") == profile_id]
    assert [(who, outcome) for who, outcome, _ in adopted] == [("test-admin", "rejected"), ("test-officer", "repeat"),
                                                                ("test-officer", "ok")]
    first = adopted[-1][2]
    assert (first["rank"], first["model_version"], first["criteria"], first["version"]) == (1, model.version, line["criteria"], 1)


def test_adopting_by_line_with_a_lane_reason_and_idempotency_key(trained):
    api, model = trained
    line = profiles.suggestions(model, 1)[1]
    asked = {"hs6": line["hs6"], "origin": line["origin_country"], "procedure": line["procedure_code"], "lane": "RED",
             "reason": "seizures at Hai Phong port this quarter", "key": "adopt-line-2", "unit": UNIT}
    made = api.data(ADOPT, asked, role="investigator")["adoptProfileSuggestion"]
    assert made["profileId"].startswith("LEARNED-K-") and (made["lane"], made["reason"]) == ("RED", asked["reason"])
    assert made["criteria"] == line["criteria"]
    assert api.data(ADOPT, asked, role="investigator")["adoptProfileSuggestion"] == made
    reused = api.gql(ADOPT, {**asked, "lane": "YELLOW"}, role="investigator")
    assert codes(reused) == ["BAD_USER_INPUT"]
    listed = api.data("{ riskProfiles(activeOnly: true) { profileId lane } }", role="officer")["riskProfiles"]
    assert {"profileId": made["profileId"], "lane": "RED"} in listed


@pytest.mark.parametrize("variables, says", [
    ({"rank": 0}, "rank: there are"),
    ({"rank": 10**6}, "choose a rank from 1 to"),
    ({}, "either by its rank or by its hs6"),
    ({"rank": 1, "hs6": "080810"}, "either by its rank or by its hs6"),
    ({"hs6": "999999", "origin": "ZZ"}, "hs6: no suggestion for HS 999999 from ZZ"),
])
def test_a_bad_choice_is_refused_naming_its_argument_and_audited_as_rejected(trained, variables, says):
    api, _ = trained
    nodes = api.nodes()
    answer = api.gql(ADOPT, {**variables, "unit": UNIT}, role="officer")
    assert codes(answer) == ["BAD_USER_INPUT"] and says in answer["errors"][0]["message"], answer
    assert api.nodes() == nodes
    assert any(says in json.loads(e["arguments"]).get("refused", "") and e["outcome"] == "rejected"
               for e in _entries(api, "adoptProfileSuggestion"))


def test_without_a_model_suggestions_say_how_to_train_one(own_api):
    answer = own_api.gql(SUGGEST, {"s": 1, "f": 3}, role="officer")
    assert codes(answer) == ["NO_MODEL"] and "riskgraph train" in answer["errors"][0]["message"]
    assert codes(own_api.gql(ADOPT, {"rank": 1, "unit": UNIT}, role="officer")) == ["NO_MODEL"]
