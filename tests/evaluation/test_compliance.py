"""Compliance measurement: Wilson intervals, the non-compliance rate from random
inspections only, groups below the minimum n kept and marked, targeting lift, the
report's files; and its read on the small world."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from riskgraph.evaluation import compliance as cm
from tests.conftest import SMALL_WORLD

PNG = b"\x89PNG\r\n\x1a\n"
START, END, AS_OF = date(2026, 1, 1), date(2026, 3, 31), date(2026, 6, 30)


# Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (score interval without continuity correction).
@pytest.mark.parametrize("found, n, low, high", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
                                                 (1, 29, 0.0061, 0.1718)])
def test_wilson_bounds_match_the_published_ones(found, n, low, high):
    got = cm.wilson(found, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_is_exact_at_the_ends_and_knows_nothing_of_no_trials():
    assert cm.wilson(0, 12)[0] == 0.0 and cm.wilson(12, 12)[1] == 1.0
    assert cm.wilson(12, 12)[0] == pytest.approx(1 - cm.wilson(0, 12)[1])  # symmetric
    assert cm.wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="between 0 and n"):
        cm.wilson(3, 2)


def test_the_interval_narrows_as_inspections_grow():
    widths = [cm.wilson(n // 10, n)[1] - cm.wilson(n // 10, n)[0] for n in (10, 100, 1000)]
    assert widths == sorted(widths, reverse=True)


def _inspection(n: int, selection: str, wrong: bool, revenue: float = 0.0, chapter: str = "85", office: str = "03CC",
                origin: str = "CN", lane: str = "yellow") -> cm.Inspection:
    return cm.Inspection(f"D{n}", selection, wrong, revenue, chapter, office, origin, lane)


def _tiny() -> list[cm.Inspection]:
    """40 random inspections in chapter 85 (2 wrong), 5 random in chapter 62 (1 wrong),
    10 targeted (4 wrong, 1,000 VND each) and 3 whose selection was not stated."""
    rows = [_inspection(i, "random", i < 2) for i in range(40)]
    rows += [_inspection(100 + i, "random", i == 0, 600.0 if i == 0 else 0.0, chapter="62", office="02CI", lane="red")
             for i in range(5)]
    rows += [_inspection(200 + i, "targeted", i < 4, 1000.0 if i < 4 else 0.0) for i in range(10)]
    rows += [_inspection(300 + i, cm.UNSTATED, True) for i in range(3)]
    return rows


def test_the_rate_comes_from_random_inspections_only():
    report = cm.measure(_tiny(), START, END, AS_OF)
    assert report.inspections == {"random": 45, "targeted": 10, cm.UNSTATED: 3}
    assert (report.overall.found, report.overall.n) == (3, 45)
    assert report.overall.rate == pytest.approx(3 / 45)
    assert (report.overall.low, report.overall.high) == pytest.approx(cm.wilson(3, 45))


def test_small_groups_are_kept_with_their_n_and_marked():
    report = cm.measure(_tiny(), START, END, AS_OF, min_n=30)
    chapters = {g.value: g for g in report.groups["hs_chapter"]}
    assert [g.value for g in report.groups["hs_chapter"]] == ["85", "62"]  # largest first
    assert (chapters["85"].rate.n, chapters["85"].rate.small) == (40, False)
    small = chapters["62"]
    assert (small.rate.found, small.rate.n, small.rate.small, small.revenue_vnd) == (1, 5, True, 600.0)
    assert small.rate.high - small.rate.low > 0.5  # wide, and shown
    assert {g.value for g in report.groups["lane"]} == {"yellow", "red"}
    assert "| 62 | 5 | 1 | 20.0% (3.6% to 62.4%) | 600 | *small* |" in cm.markdown(report)


def test_targeting_lift_and_revenue_per_inspection():
    t = cm.measure(_tiny(), START, END, AS_OF).targeting
    assert t.targeted.rate == pytest.approx(0.4) and t.random.rate == pytest.approx(3 / 45)
    assert t.lift == pytest.approx(0.4 / (3 / 45))
    assert t.lift_low < t.lift < t.lift_high
    assert t.revenue_per_targeted_vnd == pytest.approx(400.0) and t.revenue_per_random_vnd == pytest.approx(600 / 45)


def test_lift_is_not_estimable_when_random_inspections_found_nothing():
    rows = [_inspection(i, "random", False) for i in range(50)] + [_inspection(100, "targeted", True)]
    t = cm.measure(rows, START, END, AS_OF).targeting
    assert (t.lift, t.lift_low, t.lift_high) == (None, None, None)
    assert "not estimable" in cm.markdown(cm.measure(rows, START, END, AS_OF))


def test_an_empty_period_reports_no_inspections_and_still_writes_its_files(tmp_path):
    report = cm.measure([], START, END, AS_OF)
    assert report.overall == cm.Rate(0, 0, None, 0.0, 1.0, True)
    assert all(groups == [] for groups in report.groups.values())
    assert report.targeting.lift is None and report.targeting.revenue_per_random_vnd is None
    text = cm.markdown(report)
    assert "**no inspections**" in text and "(no random inspections in the period)" in text
    files = cm.write(report, tmp_path / "empty")
    assert [f.name for f in files] == ["report.md", "report.json", "noncompliance.png", "targeting.png"]
    assert all(f.read_bytes()[:8] == PNG for f in files[2:])


def test_the_report_files_hold_the_tables_and_every_group(tmp_path):
    report = cm.measure(_tiny(), START, END, AS_OF)
    files = cm.write(report, tmp_path / "q1")
    text = files[0].read_text(encoding="utf-8")
    assert "# Compliance measurement, 2026-01-01 to 2026-03-31" in text and "## By origin country" in text
    saved = json.loads(files[1].read_text(encoding="utf-8"))
    assert saved["overall"]["found"] == 3 and len(saved["groups"]["office"]) == 2
    assert all(f.stat().st_size > 1000 and f.read_bytes()[:8] == PNG for f in files[2:])


def test_more_groups_than_shown_are_summed_not_dropped():
    rows = [_inspection(i, "random", i % 7 == 0, origin=f"C{i:02d}") for i in range(25)]
    text = cm.markdown(cm.measure(rows, START, END, AS_OF), top=20)
    assert "| 5 more groups | 5 |" in text


def test_a_minimum_n_below_one_is_refused():
    with pytest.raises(ValueError, match="min_n"):
        cm.measure([], START, END, AS_OF, min_n=0)


def _csv(feed: str) -> list[dict]:
    with open(SMALL_WORLD / f"{feed}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_read_counts_what_the_feed_holds(world):
    since, until, as_of = date(2021, 1, 1), date(2023, 6, 30), date(2024, 12, 31)
    found = cm.inspections(world, since, until, as_of)
    declarations = [d for d in _csv("declarations") if since.isoformat() <= d["registered_at"][:10] <= until.isoformat()
                    and d["inspection_result"] in ("compliant", "discrepancy")]
    cited: dict[str, float] = {}
    for v in _csv("violations"):
        if v["declaration_no"] and v["decided_on"] <= as_of.isoformat():
            cited[v["declaration_no"]] = cited.get(v["declaration_no"], 0.0) + float(v["back_tax_vnd"] or 0) + float(v["penalty_vnd"] or 0)
    assert sorted(i.declaration_no for i in found) == sorted(d["declaration_no"] for d in declarations)
    by_no = {i.declaration_no: i for i in found}
    for d in declarations:
        i = by_no[d["declaration_no"]]
        assert i.selection == (d["selection"] or cm.UNSTATED)
        assert i.wrong == (d["inspection_result"] == "discrepancy" or d["declaration_no"] in cited)
        assert i.revenue_vnd == pytest.approx(cited.get(d["declaration_no"], 0.0))
        assert i.hs_chapter == d["hs_codes"].split(";")[0][:2] and i.office == d["office_code"] and i.lane == d["channel"]
    assert any(i.selection == "random" for i in found) and any(i.revenue_vnd > 0 for i in found)
