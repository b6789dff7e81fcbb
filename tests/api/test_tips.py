"""Tips (tin báo): raised on stored declarations only, by officers and up, with their
officer and unit; outcomes recorded once per version (concurrent ones never counted
twice), corrected with history; statistics per unit and officer; every change audited;
`riskgraph tips list|stats`."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import threading
from datetime import datetime

import pytest
from click.testing import CliRunner

from riskgraph.api import audit, auth, feedback, tips
from riskgraph.api.auth import Keys
from riskgraph.cli import main
from riskgraph.dates import VIETNAM
from tests.api.conftest import assert_clean, codes
from tests.conftest import SMALL_WORLD

TIP = "tipId declarationNo lane laneBefore reason officer unit raisedAt outcome { version violationFound backTaxVnd fineVnd revenueVnd note checkedOn checkedBy checkedUnit } history { version violationFound revenueVnd checkedBy }"
RAISE = f"mutation($d: String!, $l: Channel!, $r: String!, $k: String) {{ raiseTip(declarationNo: $d, lane: $l, reason: $r, idempotencyKey: $k) {{ {TIP} }} }}"
OUTCOME = (f"mutation($t: String!, $v: Boolean!, $b: Float, $f: Float, $n: String, $c: Int) {{ recordTipOutcome(tipId: $t, "
           f"violationFound: $v, backTaxVnd: $b, fineVnd: $f, note: $n, correcting: $c) {{ {TIP} }} }}")
STATS = "query($p: String!, $by: TipGrouping) { tipStatistics(period: $p, by: $by) { unit officer raised checked found hitRate hitLow hitHigh backTaxVnd fineVnd revenueVnd } }"
_units = itertools.count()


def _declarations() -> list[dict]:
    with open(SMALL_WORLD / "declarations.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


DECLARATIONS = _declarations()[:20]


def _today() -> str:
    return datetime.now(VIETNAM).date().isoformat()


@pytest.fixture
def unit(own_api):
    """A unit of its own for the test, with two officers: (unit, {name: key})."""
    name = f"QLRR-{next(_units)}-{datetime.now(VIETNAM):%H%M%S%f}"
    keys = {who: auth.create(own_api.store, "officer", f"{who}-{name}", by="tests", unit=name).key for who in ("an", "binh")}
    return name, keys


def _as(api, key: str, query: str, variables: dict | None = None) -> dict:
    response = api.post(query, variables, role=None, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_clean(answer)
    return answer


def _ok(api, key: str, query: str, variables: dict | None = None) -> dict:
    answer = _as(api, key, query, variables)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def _raise(api, key: str, n: int = 0, lane: str = "RED", reason: str = "khai sai mã HS, nghi vấn") -> dict:
    return _ok(api, key, RAISE, {"d": DECLARATIONS[n]["declaration_no"], "l": lane, "r": reason})["raiseTip"]


def test_a_tip_carries_its_declaration_lane_reason_officer_and_unit(own_api, unit):
    name, keys = unit
    d = DECLARATIONS[3]
    tip = _raise(own_api, keys["an"], 3, "YELLOW", "hóa đơn không khớp trị giá")
    assert (tip["declarationNo"], tip["lane"], tip["laneBefore"], tip["reason"]) == (d["declaration_no"], "YELLOW", d["channel"],
                                                                                      "hóa đơn không khớp trị giá")
    assert (tip["officer"], tip["unit"], tip["outcome"], tip["history"]) == (f"an-{name}", name, None, [])
    listed = _ok(own_api, keys["an"], "query($p: String!, $u: String) { tips(period: $p, unit: $u) { tipId lane unit } }",
                 {"p": _today()[:7], "u": name})["tips"]
    assert listed == [{"tipId": tip["tipId"], "lane": "YELLOW", "unit": name}]


def test_a_tip_on_an_unknown_declaration_is_refused_and_nothing_is_stored(own_api, unit):
    name, keys = unit
    before = own_api.nodes()
    answer = _as(own_api, keys["an"], RAISE, {"d": "999999999999", "l": "RED", "r": "không có tờ khai này"})
    assert codes(answer) == ["NOT_FOUND"] and answer["data"] is None
    assert "no declaration '999999999999' is stored" in answer["errors"][0]["message"]
    assert own_api.nodes() == before
    entry = audit.entries(own_api.store, limit=1, operation="raiseTip")[0]
    assert entry["outcome"] == "rejected" and entry["key_name"] == f"an-{name}"


@pytest.mark.parametrize("variables, field", [({"r": "x"}, "reason"), ({"d": "bad\x07no"}, "declarationNo"),
                                              ({"k": "\u202ekey"}, "idempotencyKey")])
def test_a_bad_tip_names_its_field(own_api, unit, variables, field):
    answer = _as(own_api, unit[1]["an"], RAISE, {"d": DECLARATIONS[0]["declaration_no"], "l": "RED", "r": "lý do đủ dài", **variables})
    assert codes(answer) == ["BAD_USER_INPUT"] and answer["errors"][0]["message"].startswith(f"{field}:")


def test_an_unknown_lane_is_refused_by_the_schema(own_api, unit):
    answer = _as(own_api, unit[1]["an"], RAISE, {"d": DECLARATIONS[0]["declaration_no"], "l": "PURPLE", "r": "lý do đủ dài"})
    assert codes(answer) == ["BAD_USER_INPUT"] and answer.get("data") is None


@pytest.mark.parametrize("query, variables", [
    (RAISE, {"d": DECLARATIONS[0]["declaration_no"], "l": "RED", "r": "clearance may not"}),
    (OUTCOME, {"t": "TIP-x", "v": True}),
    ('{ tips(period: "2026") { tipId } }', None),
    ('{ tipStatistics(period: "2026") { unit } }', None),
])
def test_a_clearance_key_may_not_raise_record_or_read_tips(own_api, query, variables):
    before = own_api.nodes()
    answer = own_api.gql(query, variables, "clearance")
    assert codes(answer) == ["FORBIDDEN"] and "data" not in answer
    assert own_api.nodes() == before


def test_an_outcome_is_recorded_once_then_corrected_with_history_and_counted_once(own_api, unit):
    name, keys = unit
    tip = _raise(own_api, keys["an"])
    first = _ok(own_api, keys["binh"], OUTCOME, {"t": tip["tipId"], "v": True, "b": 12_000_000.0, "f": 3_000_000.0,
                                                  "n": "khai thấp trị giá"})["recordTipOutcome"]
    assert first["outcome"]["version"] == 1 and first["outcome"]["revenueVnd"] == 15_000_000.0
    assert (first["outcome"]["checkedBy"], first["outcome"]["checkedUnit"]) == (f"binh-{name}", name)
    # A second first outcome (an officer who had not seen the first) is refused, naming the version to correct.
    stale = _as(own_api, keys["an"], OUTCOME, {"t": tip["tipId"], "v": False})
    assert codes(stale) == ["CONFLICT"] and "send correcting: 1" in stale["errors"][0]["message"]
    corrected = _ok(own_api, keys["an"], OUTCOME, {"t": tip["tipId"], "v": True, "b": 10_000_000.0, "f": 3_000_000.0,
                                                    "c": 1})["recordTipOutcome"]
    assert corrected["outcome"]["version"] == 2 and corrected["outcome"]["revenueVnd"] == 13_000_000.0
    assert [h["version"] for h in corrected["history"]] == [1, 2] and corrected["history"][0]["revenueVnd"] == 15_000_000.0
    row = next(r for r in _ok(own_api, keys["an"], STATS, {"p": _today()})["tipStatistics"] if r["unit"] == name)
    assert (row["raised"], row["checked"], row["found"], row["revenueVnd"]) == (1, 1, 1, 13_000_000.0)


def test_the_same_outcome_sent_again_is_a_repeat(own_api, unit):
    tip = _raise(own_api, unit[1]["an"])
    variables = {"t": tip["tipId"], "v": False, "n": "hàng đúng khai báo"}
    first = _ok(own_api, unit[1]["an"], OUTCOME, variables)["recordTipOutcome"]
    again = _ok(own_api, unit[1]["an"], OUTCOME, variables)["recordTipOutcome"]
    assert first["outcome"] == again["outcome"] and len(again["history"]) == 1
    assert audit.entries(own_api.store, limit=1, operation="recordTipOutcome")[0]["outcome"] == "repeat"


@pytest.mark.parametrize("variables, field", [({"b": 5.0}, "backTaxVnd"), ({"v": True, "f": -1.0}, "fineVnd"),
                                              ({"c": -1}, "correcting"), ({"t": "TIP-none"}, "tipId")])
def test_a_bad_outcome_names_its_field(own_api, unit, variables, field):
    tip = _raise(own_api, unit[1]["an"])
    answer = _as(own_api, unit[1]["an"], OUTCOME, {"t": tip["tipId"], "v": False, **variables})
    assert codes(answer) == ["BAD_USER_INPUT"] and answer["errors"][0]["message"].startswith(f"{field}:"), answer


def test_concurrent_outcomes_store_one_and_refuse_the_others(own_api, unit):
    """Eight officers on their own store connections (as on eight API processes) record a
    first outcome on the same tip at once: one is stored, seven are refused."""
    name, keys = unit
    tip = _raise(own_api, keys["an"])
    officer = auth.Principal("k" * 12, f"an-{name}", "officer", name)
    barrier, results = threading.Barrier(8), []

    def record(n: int) -> None:
        store = own_api.store.clone()
        try:
            barrier.wait()
            results.append(feedback.record_tip_outcome(store, tip["tipId"], True, 1_000_000.0 * (n + 1), 0.0, f"officer {n}", None,
                                                       officer))
        except feedback.OutcomeConflict as e:
            results.append(e)
        finally:
            store.close()

    threads = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stored = [r for r in results if isinstance(r, dict)]
    assert len(results) == 8 and len(stored) == 1 and stored[0]["version"] == 1
    assert all("has outcome version 1" in str(r) for r in results if not isinstance(r, dict))
    assert len(tips.history(own_api.store, tip["tipId"])) == 1
    row = next(r for r in tips.statistics(own_api.store, *[datetime.now(VIETNAM).date()] * 2) if r["unit"] == name)
    assert (row["checked"], row["found"]) == (1, 1)
    assert row["revenue_vnd"] == next(t for t in tips.listed(own_api.store, *[datetime.now(VIETNAM).date()] * 2)
                                      if t["tip_id"] == tip["tipId"])["back_tax_vnd"]


def test_statistics_per_unit_and_officer_with_the_hit_rate(own_api, unit):
    name, keys = unit
    raised = [_raise(own_api, keys["an"], n) for n in range(3)] + [_raise(own_api, keys["binh"], n) for n in range(3, 5)]
    for tip, found, tax in ((raised[0], True, 2_000_000.0), (raised[1], False, 0.0), (raised[3], True, 5_000_000.0)):
        _ok(own_api, keys["binh"], OUTCOME, {"t": tip["tipId"], "v": found, "b": tax, "f": 500_000.0 if found else 0.0})
    by_unit = {r["unit"]: r for r in _ok(own_api, keys["an"], STATS, {"p": _today()})["tipStatistics"]}
    mine = by_unit[name]
    assert (mine["raised"], mine["checked"], mine["found"]) == (5, 3, 2)
    assert mine["hitRate"] == pytest.approx(2 / 3) and mine["hitLow"] < 2 / 3 < mine["hitHigh"]
    assert (mine["backTaxVnd"], mine["fineVnd"], mine["revenueVnd"]) == (7_000_000.0, 1_000_000.0, 8_000_000.0)
    assert by_unit["(all)"]["raised"] >= 5 and list(by_unit)[-1] == "(all)"
    by_officer = {r["officer"]: r for r in _ok(own_api, keys["an"], STATS, {"p": _today(), "by": "OFFICER"})["tipStatistics"]
                  if r["unit"] == name}
    assert (by_officer[f"an-{name}"]["raised"], by_officer[f"an-{name}"]["checked"], by_officer[f"an-{name}"]["found"]) == (3, 2, 1)
    assert (by_officer[f"binh-{name}"]["raised"], by_officer[f"binh-{name}"]["found"]) == (2, 1)
    past = _ok(own_api, keys["an"], STATS, {"p": "2020-Q1"})["tipStatistics"]
    assert past == [{"unit": "(all)", "officer": None, "raised": 0, "checked": 0, "found": 0, "hitRate": None, "hitLow": 0.0,
                     "hitHigh": 1.0, "backTaxVnd": 0.0, "fineVnd": 0.0, "revenueVnd": 0.0}]


def test_a_bad_period_is_refused_with_the_forms_accepted(own_api):
    answer = own_api.gql('{ tipStatistics(period: "Q1-2026") { unit } }', role="officer")
    assert codes(answer) == ["BAD_USER_INPUT"] and "2026-Q1 (a quarter)" in answer["errors"][0]["message"]


def test_tip_changes_are_audited_with_who_and_what(own_api, unit):
    name, keys = unit
    tip = _raise(own_api, keys["an"], 2, "BLUE", "cần kiểm tra sau thông quan")
    raised = audit.entries(own_api.store, limit=1, operation="raiseTip")[0]
    assert (raised["key_name"], raised["role"], raised["outcome"]) == (f"an-{name}", "officer", "ok")
    assert json.loads(raised["arguments"]) == {"declaration_no": DECLARATIONS[2]["declaration_no"], "lane": "blue",
                                               "reason": "cần kiểm tra sau thông quan", "tip_id": tip["tipId"]}
    _ok(own_api, keys["binh"], OUTCOME, {"t": tip["tipId"], "v": True, "b": 1.0})
    recorded = audit.entries(own_api.store, limit=1, operation="recordTipOutcome")[0]
    assert recorded["key_name"] == f"binh-{name}" and json.loads(recorded["arguments"])["version"] == 1


def test_a_retry_with_the_same_idempotency_key_raises_one_tip(own_api, unit):
    variables = {"d": DECLARATIONS[1]["declaration_no"], "l": "RED", "r": "tin báo từ cơ sở", "k": "tb-0001"}
    first = _ok(own_api, unit[1]["an"], RAISE, variables)["raiseTip"]
    again = _ok(own_api, unit[1]["an"], RAISE, variables)["raiseTip"]
    assert first["tipId"] == again["tipId"] and first["tipId"].startswith("TIP-K-")
    other = _as(own_api, unit[1]["an"], RAISE, {**variables, "r": "một lý do khác"})
    assert codes(other) == ["BAD_USER_INPUT"] and "was used for a different request" in other["errors"][0]["message"]


def test_a_key_made_before_units_reads_as_unassigned():
    """A stored key record without a unit (made before keys had one) authenticates with unit
    "unassigned"; its tips are counted under that unit."""
    issued_hash = hashlib.sha256(b"s" * 43).hexdigest()

    class OldStore:
        def query(self, name, params):
            return [{"key_id": "a" * 12, "name": "old officer", "role": "officer", "hash": issued_hash, "revoked_at": None}]

    principal = Keys(OldStore()).authenticate(f"rg_{'a' * 12}_{'s' * 43}")
    assert principal == auth.Principal("a" * 12, "old officer", "officer", "unassigned")


def test_me_and_api_keys_show_the_unit(own_api, unit):
    name, keys = unit
    assert _ok(own_api, keys["an"], "{ me { unit } }")["me"]["unit"] == name
    assert own_api.data("{ me { unit } }")["me"]["unit"] == "unassigned"
    made = own_api.data('mutation { createApiKey(role: "officer", name: "với đơn vị", unit: "Chi cục HQ Móng Cái") { keyId unit } }')
    listed = {k["keyId"]: k["unit"] for k in own_api.data("{ apiKeys { keyId unit } }")["apiKeys"]}
    assert listed[made["createApiKey"]["keyId"]] == "Chi cục HQ Móng Cái"


def test_tips_list_and_stats_from_the_command_line(own_api, unit):
    name, keys = unit
    tip = _raise(own_api, keys["an"], 4)
    _ok(own_api, keys["an"], OUTCOME, {"t": tip["tipId"], "v": True, "b": 4_000_000.0})
    env = {"RISKGRAPH_DATA_DIR": None, "RISKGRAPH_GRAPH": own_api.settings.graph, "RISKGRAPH_STORE": "falkordb",
           "RISKGRAPH_FALKORDB_URL": None}
    base = ["--data-dir", str(own_api.settings.data_dir)]
    listed = CliRunner().invoke(main, [*base, "tips", "list", "--period", _today(), "--unit", name, "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert [t["tip_id"] for t in json.loads(listed.output)] == [tip["tipId"]]
    stats = CliRunner().invoke(main, [*base, "tips", "stats", "--period", _today()[:4], "--by", "officer"], env=env)
    assert stats.exit_code == 0, stats.output
    line = next(x for x in stats.output.splitlines() if x.startswith(name))
    assert f"an-{name}" in line and "100% (21%-100%)" in line and "4,000,000" in line
    bad = CliRunner().invoke(main, [*base, "tips", "stats", "--period", "2026-Q9"], env=env)
    assert bad.exit_code == 1 and "is not a period" in bad.output
