"""Compliance measurement through the API: the figures of `riskgraph compliance` (the
same functions) for a period of at most a year, for officers and up."""

from __future__ import annotations

from datetime import date

import pytest

from riskgraph.evaluation import compliance as cm
from tests.api.conftest import codes

RATE = "found n rate low high small"
GROUP = f"value rate {{ {RATE} }} revenueVnd"
COMPLIANCE = f"""query($p: String!, $n: Int, $a: Date) {{ compliance(period: $p, minN: $n, asOf: $a) {{
  since until asOf minN randomInspections targetedInspections unstatedInspections overall {{ {RATE} }}
  hsChapters {{ {GROUP} }} offices {{ {GROUP} }} origins {{ {GROUP} }} lanes {{ {GROUP} }}
  targeting {{ targeted {{ {RATE} }} random {{ {RATE} }} lift liftLow liftHigh revenuePerTargetedVnd revenuePerRandomVnd }} }} }}"""


def _rate(r: cm.Rate) -> dict:
    return {"found": r.found, "n": r.n, "rate": r.rate, "low": pytest.approx(r.low), "high": pytest.approx(r.high), "small": r.small}


def test_the_report_is_the_one_the_cli_writes(api):
    since, until, as_of = date(2022, 1, 1), date(2022, 12, 31), date(2024, 12, 31)
    expected = cm.measure(cm.inspections(api.store, since, until, as_of), since, until, as_of, 5)
    got = api.data(COMPLIANCE, {"p": "2022", "n": 5, "a": as_of.isoformat()}, role="officer")["compliance"]
    assert (got["since"], got["until"], got["asOf"], got["minN"]) == ("2022-01-01", "2022-12-31", "2024-12-31", 5)
    assert (got["randomInspections"], got["targetedInspections"], got["unstatedInspections"]) == (
        expected.inspections["random"], expected.inspections["targeted"], expected.inspections[cm.UNSTATED])
    assert got["randomInspections"] > 0 and got["targetedInspections"] > got["randomInspections"]
    assert got["overall"] == _rate(expected.overall)
    for field, dimension in (("hsChapters", "hs_chapter"), ("offices", "office"), ("origins", "origin"), ("lanes", "lane")):
        assert got[field] == [{"value": g.value, "rate": _rate(g.rate), "revenueVnd": pytest.approx(g.revenue_vnd)}
                              for g in expected.groups[dimension]], field
        assert sum(g["rate"]["n"] for g in got[field]) == got["randomInspections"]
    t = expected.targeting
    assert got["targeting"]["targeted"] == _rate(t.targeted) and got["targeting"]["random"] == _rate(t.random)
    assert got["targeting"]["lift"] == (None if t.lift is None else pytest.approx(t.lift))
    assert got["targeting"]["revenuePerTargetedVnd"] == pytest.approx(t.revenue_per_targeted_vnd)


def test_small_groups_follow_min_n(api):
    few = api.data(COMPLIANCE, {"p": "2022", "n": 1}, role="officer")["compliance"]
    many = api.data(COMPLIANCE, {"p": "2022", "n": 10_000}, role="officer")["compliance"]
    assert not any(g["rate"]["small"] for g in few["offices"]) and few["overall"]["small"] is False
    assert all(g["rate"]["small"] for g in many["offices"]) and many["overall"]["small"] is True
    assert [g["rate"]["n"] for g in few["offices"]] == [g["rate"]["n"] for g in many["offices"]]


def test_a_period_without_inspections_reports_none(api):
    got = api.data(COMPLIANCE, {"p": "2019-Q1"}, role="officer")["compliance"]
    assert got["overall"] == {"found": 0, "n": 0, "rate": None, "low": 0.0, "high": 1.0, "small": True}
    assert got["hsChapters"] == [] and got["targeting"]["lift"] is None and got["targeting"]["revenuePerRandomVnd"] is None


@pytest.mark.parametrize("variables, says", [
    ({"p": "2024-Q5"}, "is not a period"),
    ({"p": "2022..2023"}, "at most a year (366 days)"),
    ({"p": "2023", "n": 0}, "minN: must be between 1"),
])
def test_bad_arguments_are_refused_naming_them(api, variables, says):
    answer = api.gql(COMPLIANCE, variables, role="officer")
    assert codes(answer) == ["BAD_USER_INPUT"] and says in answer["errors"][0]["message"], answer


def test_a_clearance_key_may_not_read_it(api):
    answer = api.gql(COMPLIANCE, {"p": "2023"}, role="clearance")
    assert codes(answer) == ["FORBIDDEN"] and "data" not in answer
