"""Backtest of declaration selectivity: train as of a date, grade on what came after.

The model is trained on the ``history_months`` before ``as_of`` exactly as ``riskgraph
train`` would; then every declaration registered in the ``horizon_months`` after it
with a known outcome (inspected, or cited by a violation decided in the horizon) is
described as a clearance system would have described it: from the model's frozen
tables and the graph scores of an analysis as of ``as_of``. The ranking is graded as an
inspection budget: precision at the top 1/5/10%, recall at 5/10%, average precision,
ROC AUC, and the tax of the discrepant declarations in the top 5/10% (revenue at
stake caught), beside three baselines graded on the same declarations in the same run:

- ``entity_history``: the trader's smoothed discrepancy rate (its violations break ties);
- ``hs_origin_rate``: the smoothed discrepancy rate of the HS x origin line;
- ``model_without_graph``: the same model trained without the graph scores.

When the horizon holds random-selection inspections, the same metrics are also given
on those alone: the only sample not shaped by past targeting.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import numpy as np

from riskgraph import declarations as S
from riskgraph.dates import add_months
from riskgraph.declarations import features as F
from riskgraph.errors import QueryError
from riskgraph.evaluation import charts
from riskgraph.graph import Store
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.memory import cyclic_gc_paused
from riskgraph.ranking import average_precision, caught_at, precision_at, recall_at, roc_auc


@dataclass(frozen=True)
class Metrics:
    precision_at_1: float
    precision_at_5: float
    precision_at_10: float
    recall_at_5: float
    recall_at_10: float
    average_precision: float
    roc_auc: float
    revenue_at_5: float  # share of the discrepant declarations' tax in the top 5%
    revenue_at_10: float
    revenue_vnd_at_5: float


@dataclass
class Report:
    as_of: str
    horizon_months: int
    model_version: str
    graded: int
    positives: int
    random_graded: int
    random_positives: int
    metrics: dict[str, Metrics]  # model first, then each baseline
    random_metrics: dict[str, Metrics] = field(default_factory=dict)
    train_metrics: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def grade(score: np.ndarray, positive: np.ndarray, tax: np.ndarray) -> Metrics:
    """Return the metrics of ranking ``score`` against boolean ``positive``; ``tax`` is
    each declaration's assessed tax (NaN counts as 0). Ties keep the given order.
    Cost: O(n log n)."""
    at_stake = np.where(positive, np.nan_to_num(tax), 0.0)
    whole = at_stake.sum() or 1.0
    return Metrics(
        precision_at_1=precision_at(score, positive, 0.01),
        precision_at_5=precision_at(score, positive, 0.05),
        precision_at_10=precision_at(score, positive, 0.10),
        recall_at_5=recall_at(score, positive, 0.05),
        recall_at_10=recall_at(score, positive, 0.10),
        average_precision=average_precision(score, positive),
        roc_auc=roc_auc(score, positive),
        revenue_at_5=caught_at(score, at_stake, 0.05) / whole,
        revenue_at_10=caught_at(score, at_stake, 0.10) / whole,
        revenue_vnd_at_5=caught_at(score, at_stake, 0.05),
    )


def run(store: Store, as_of: date, horizon_months: int = 6, *, history_months: int = 24,
        graph_every_months: int = 6, snapshots: Path | None = None, copy: ColumnarCopy | None = None,
        progress: TextIO | None = None) -> tuple[Report, dict[str, np.ndarray], np.ndarray]:
    """Train as of ``as_of``, grade on the horizon; return the report, the scores graded
    (by name) and the positives, for the charts (``snapshots``, ``copy``, ``progress``: see
    ``riskgraph.declarations.window``; the graded declarations' scores come from the cut
    as of ``as_of``, kept there too)."""
    w = S.window(store, as_of, history_months=history_months, graph_every_months=graph_every_months, snapshots=snapshots,
                 copy=copy, progress=progress)
    t = time.perf_counter()
    model = S.fit(w.declarations, w.violations, w.graph, since=w.since, until=as_of)
    plain = S.fit(w.declarations, w.violations, None, since=w.since, until=as_of)
    seconds = {**w.seconds, "train": time.perf_counter() - t}
    violations = w.violations

    t = time.perf_counter()
    end = add_months(as_of, horizon_months)  # as the entity backtest: same day, horizon_months later
    with cyclic_gc_paused():
        test = F.from_store(store, as_of + timedelta(days=1), end, copy=copy)
    test = test.take(test.labelled)
    if not len(test):
        raise QueryError(f"no declaration registered from {as_of + timedelta(days=1)} to {end} has a known outcome "
                         "(inspection result or violation): nothing to grade; choose an earlier --as-of or a longer --horizon")
    numeric, _ = F.history(test, violations, frozen=model.tables)
    test_graph = S.describe(test, store, [as_of], snapshots=snapshots)
    scores = {
        "model": model.probability(model.matrix(test, numeric, test_graph)),
        "entity_history": np.nan_to_num(numeric["rate_trader"], nan=model.tables.p0) + 1e-4 * numeric["trader_violations"],
        "hs_origin_rate": np.nan_to_num(numeric["rate_hs_origin"], nan=model.tables.p0),
        "model_without_graph": plain.probability(plain.matrix(test, numeric, None)),
    }
    seconds["grade"] = time.perf_counter() - t
    positive, tax = test.positive, test.number["tax_vnd"]
    rand = test.random
    report = Report(
        as_of=as_of.isoformat(), horizon_months=horizon_months, model_version=model.version,
        graded=len(test), positives=int(positive.sum()), random_graded=int(rand.sum()),
        random_positives=int((positive & rand).sum()),
        metrics={k: grade(v, positive, tax) for k, v in scores.items()},
        random_metrics={k: grade(v[rand], positive[rand], tax[rand]) for k, v in scores.items()} if (positive & rand).any() else {},
        train_metrics=model.metrics, seconds={k: round(v, 2) for k, v in seconds.items()},
    )
    return report, scores, positive


def write(report: Report, scores: dict[str, np.ndarray], positive: np.ndarray, out_dir: Path) -> list[Path]:
    """Write report.json, report.md and the charts (precision-recall curves, metrics by
    ranking) to ``out_dir``; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "report.json", out_dir / "report.md"]
    written[0].write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    written[1].write_text(markdown(report), encoding="utf-8")
    return written + charts.declaration_charts(report, scores, positive, out_dir)


def markdown(report: Report) -> str:
    """Return the report as a Markdown table, model first."""
    lines = [f"# Declaration selectivity backtest as of {report.as_of}", "",
             f"Model {report.model_version}; {report.graded:,} declarations with a known outcome registered in the "
             f"{report.horizon_months} months after, {report.positives:,} found wrong.", ""]
    lines += _table(report.metrics)
    if report.random_metrics:
        lines += ["", f"On the {report.random_graded:,} random-selection inspections alone "
                      f"({report.random_positives:,} found wrong):", ""] + _table(report.random_metrics)
    return "\n".join(lines) + "\n"


def _table(metrics: dict[str, Metrics]) -> list[str]:
    cols = ("precision_at_1", "precision_at_5", "precision_at_10", "recall_at_5", "recall_at_10",
            "average_precision", "roc_auc", "revenue_at_5")
    out = ["| ranking | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, m in metrics.items():
        out.append(f"| {name} | " + " | ".join(f"{getattr(m, c):.3f}" for c in cols) + " |")
    return out
