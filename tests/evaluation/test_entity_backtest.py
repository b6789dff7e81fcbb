"""Backtest metrics on hand-made rankings, and a run on the small world."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from riskgraph.evaluation import BASELINES
from riskgraph.evaluation import entity_backtest as backtest
from riskgraph.ranking import roc_auc
from tests.conftest import SMALL_WORLD


def test_metrics_of_a_perfect_and_a_reversed_ranking():
    positive = np.array([True] * 5 + [False] * 95)
    history = np.zeros(100, dtype=bool)
    perfect = backtest.grade(np.linspace(1, 0, 100), positive, history)
    assert perfect.average_precision == pytest.approx(1.0)
    assert perfect.roc_auc == pytest.approx(1.0)
    assert perfect.precision_at_5 == pytest.approx(1.0)
    assert perfect.recall_at_5 == pytest.approx(1.0)
    assert perfect.lift_at_5 == pytest.approx(20.0)
    worst = backtest.grade(np.linspace(0, 1, 100), positive, history)
    assert worst.roc_auc == pytest.approx(0.0)
    assert worst.recall_at_5 == 0.0


def test_recall_without_history_counts_only_new_violators():
    positive = np.array([True, True, False, False] + [False] * 96)
    history = np.array([True, False, False, False] + [False] * 96)
    score = np.r_[[1.0, 0.0], np.linspace(0.9, 0.1, 98)]
    m = backtest.grade(score, positive, history)
    assert m.recall_at_5 == pytest.approx(0.5)
    assert m.recall_at_5_no_history == 0.0


def test_auc_counts_ties_half():
    assert roc_auc(np.array([0.5, 0.5]), np.array([True, False])) == pytest.approx(0.5)


def test_a_backtest_of_the_small_world_writes_report_and_charts(world, tmp_path):
    import json

    baselines = BASELINES
    truth = json.loads((SMALL_WORLD / "ground_truth.json").read_text())
    report, analysis, graded = backtest.run(world, date(2024, 7, 1), 12, baselines=baselines, truth=truth)
    assert report.positives > 0
    assert set(report.metrics) == {"model", *baselines}
    model = report.metrics["model"]
    assert model.roc_auc > max(report.metrics[b].roc_auc for b in baselines)
    assert report.schemes and set(report.schemes) <= {"phoenix", "nominee", "agent_ring", "shared_logistics"}
    path = backtest.write(report, graded, tmp_path)
    text = path.read_text()
    assert "| model |" in text and "recall@5% no history" in text
    for chart in ("precision_recall.png", "gains.png", "scores_by_outcome.png"):
        assert (tmp_path / chart).read_bytes()[:4] == b"\x89PNG"
