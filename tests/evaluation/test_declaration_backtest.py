"""The declaration selectivity backtest: exact metrics of a hand-made ranking, and a run
on the small world with its report and charts."""

from __future__ import annotations

import csv
import json
from datetime import date

import numpy as np
import pytest

from riskgraph.declarations import training
from riskgraph.evaluation import declaration_backtest as dbt
from riskgraph.graph import open_store
from tests.conftest import SMALL_WORLD

AS_OF = date(2024, 6, 30)
HORIZON = 18
PNG = b"\x89PNG\r\n\x1a\n"


def _ranking():
    """100 declarations scored 100..1, found wrong at ranks 1, 2, 4, 7, 12 and 50, given
    shuffled; the tax of the wrong ones (rank 2: none stated) and of the others."""
    rng = np.random.default_rng(3)
    score = np.arange(100, 0, -1, dtype=float)
    positive = np.zeros(100, dtype=bool)
    positive[[0, 1, 3, 6, 11, 49]] = True
    tax = np.full(100, 1e6)  # the compliant ones' tax is not at stake
    tax[[0, 1, 3, 6, 11, 49]] = [1000, np.nan, 3000, 500, 2000, 3500]
    order = rng.permutation(100)
    return score[order], positive[order], tax[order]


def test_grade_a_hand_made_ranking():
    m = dbt.grade(*_ranking())
    assert m.precision_at_1 == 1.0  # the top 1: rank 1
    assert m.precision_at_5 == pytest.approx(3 / 5) and m.recall_at_5 == pytest.approx(3 / 6)
    assert m.precision_at_10 == pytest.approx(4 / 10) and m.recall_at_10 == pytest.approx(4 / 6)
    assert m.average_precision == pytest.approx((1 / 1 + 2 / 2 + 3 / 4 + 4 / 7 + 5 / 12 + 6 / 50) / 6)
    # Negatives below each positive: 94, 94, 93, 91, 87, 50 of 94.
    assert m.roc_auc == pytest.approx((94 + 94 + 93 + 91 + 87 + 50) / (6 * 94))
    assert m.revenue_at_5 == pytest.approx(4000 / 10000) and m.revenue_at_10 == pytest.approx(4500 / 10000)
    assert m.revenue_vnd_at_5 == pytest.approx(4000)


def test_grade_keeps_the_given_order_for_ties_and_survives_no_positive():
    tie = dbt.grade(np.zeros(20), np.array([True] + [False] * 19), np.ones(20))
    assert tie.precision_at_1 == 1.0 and tie.recall_at_5 == 1.0 and tie.roc_auc == 0.5
    last = dbt.grade(np.zeros(20), np.array([False] * 19 + [True]), np.ones(20))
    assert last.precision_at_10 == 0.0 and last.average_precision == pytest.approx(1 / 20)
    none = dbt.grade(np.arange(20.0), np.zeros(20, dtype=bool), np.ones(20))
    assert none.precision_at_5 == 0 and none.average_precision == 0 and none.revenue_at_5 == 0 and none.roc_auc == 0.5


def _expected() -> tuple[int, int, int]:
    """Declarations registered after AS_OF up to the horizon's end with a known outcome
    (inspected, or cited by a violation decided by then), the wrong ones, the random ones:
    counted from the feed files."""
    end = "2025-12-30"  # 18 months after 2024-06-30
    with open(SMALL_WORLD / "violations.csv", encoding="utf-8", newline="") as f:
        cited = {v["declaration_no"] for v in csv.DictReader(f) if v["declaration_no"] and v["decided_on"] <= end}
    graded = positives = random = 0
    with open(SMALL_WORLD / "declarations.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if not AS_OF.isoformat() < r["registered_at"][:10] <= end:
                continue
            inspected = r["inspection_result"] in ("compliant", "discrepancy")
            if inspected or r["declaration_no"] in cited:
                graded += 1
                positives += r["inspection_result"] == "discrepancy" or r["declaration_no"] in cited
                random += r["selection"] == "random"
    return graded, positives, random


@pytest.fixture(scope="module")
def ran(world_settings):
    store = open_store(world_settings)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(training, "MIN_DISCREPANCIES", 10)
            return dbt.run(store, AS_OF, HORIZON, history_months=36)
    finally:
        store.close()


def test_run_grades_the_model_and_the_baselines_on_the_same_declarations(ran):
    report, scores, positive = ran
    assert list(report.metrics) == ["model", "entity_history", "hs_origin_rate", "model_without_graph"] == list(scores)
    assert report.model_version.startswith(f"sel-{AS_OF.isoformat()}-") and report.horizon_months == HORIZON
    graded, positives, random = _expected()
    assert (report.graded, report.positives, report.random_graded) == (graded, positives, random)
    assert len(positive) == graded and int(positive.sum()) == positives and 0 < positives < graded
    for name, m in report.metrics.items():
        assert len(scores[name]) == graded and np.isfinite(scores[name]).all(), name
        for key, value in vars(m).items():
            assert key == "revenue_vnd_at_5" or 0 <= value <= 1, (name, key, value)
    assert report.metrics["model"].average_precision > positives / graded  # better than drawing at random
    assert report.train_metrics["positives"] >= 10 and report.train_metrics["declarations"] > graded
    assert (0 <= scores["model"]).all() and (scores["model"] <= 1).all()
    if report.random_metrics:
        assert list(report.random_metrics) == list(report.metrics) and report.random_positives > 0


def test_write_the_report_and_its_charts(ran, tmp_path):
    report, scores, positive = ran
    files = dbt.write(report, scores, positive, tmp_path / "out")
    assert [f.name for f in files] == ["report.json", "report.md", "precision_recall.png", "metrics.png"]
    assert all(f.parent == tmp_path / "out" and f.is_file() for f in files)
    saved = json.loads(files[0].read_text(encoding="utf-8"))
    assert saved["as_of"] == AS_OF.isoformat() and saved["graded"] == report.graded
    assert set(saved["metrics"]) == set(report.metrics)
    assert saved["metrics"]["model"]["average_precision"] == pytest.approx(report.metrics["model"].average_precision)
    md = files[1].read_text(encoding="utf-8")
    assert md.startswith(f"# Declaration selectivity backtest as of {AS_OF.isoformat()}") and md == dbt.markdown(report)
    for name in report.metrics:
        assert f"| {name} | " in md
    for png in files[2:]:
        assert png.read_bytes()[:8] == PNG and png.stat().st_size > 5000
