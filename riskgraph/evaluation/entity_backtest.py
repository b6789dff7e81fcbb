"""Backtest: score as of a date, then grade the ranking on the violations decided after it.

The population is every enterprise known at the as-of date; an enterprise is positive
if a violation against it is decided in the horizon after that date. Metrics are those
of a targeting unit with a budget: precision at the top 1% and 5%, recall and lift at
5%, average precision, ROC AUC, and recall at 5% among positives with no violation of
their own before the date, the ones only the network and the declarations can find.
Baselines (see ``baselines.py``) are graded on the same population in the same run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from riskgraph.dates import add_months
from riskgraph.entities import Analysis, analyze
from riskgraph.evaluation import charts
from riskgraph.graph import Store
from riskgraph.ranking import average_precision, precision_at, recall_at, roc_auc

Baseline = Callable[[Analysis], np.ndarray]


@dataclass(frozen=True)
class Metrics:
    precision_at_1: float
    precision_at_5: float
    recall_at_5: float
    lift_at_5: float
    average_precision: float
    roc_auc: float
    recall_at_5_no_history: float


@dataclass
class Report:
    as_of: str
    horizon_months: int
    population: int
    positives: int
    positives_no_history: int
    metrics: dict[str, Metrics]  # model first, then each baseline
    schemes: dict[str, dict] = field(default_factory=dict)  # scheme kind -> positives, found at 5%
    seconds: dict[str, float] = field(default_factory=dict)


def grade(score: np.ndarray, positive: np.ndarray, history: np.ndarray) -> Metrics:
    """Return the metrics of ranking ``score`` against boolean ``positive``; ``history``
    marks members with a violation before the as-of date. Ties are broken by position,
    so give members in a fixed order. Cost: O(n log n)."""
    base = max(1, int(positive.sum())) / len(score)
    return Metrics(
        precision_at_1=precision_at(score, positive, 0.01),
        precision_at_5=precision_at(score, positive, 0.05),
        recall_at_5=recall_at(score, positive, 0.05),
        lift_at_5=precision_at(score, positive, 0.05) / base if positive.any() else 0.0,
        average_precision=average_precision(score, positive),
        roc_auc=roc_auc(score, positive),
        recall_at_5_no_history=recall_at(score, positive & ~history, 0.05),
    )


def run(store: Store, as_of: date, horizon_months: int = 12, *, baselines: Mapping[str, Baseline] | None = None,
        truth: dict | None = None) -> tuple[Report, Analysis, dict[str, np.ndarray]]:
    """Analyse as of ``as_of`` and grade the model and ``baselines`` on the horizon.

    Returns the report, the analysis, and the scores graded (by name) for the charts.
    """
    t = time.monotonic()
    analysis = analyze(store, as_of)
    seconds = {"analysis": time.monotonic() - t}
    p = analysis.projection
    end = add_months(as_of, horizon_months)
    population = np.array(sorted(p.enterprise, key=lambda i: p.key[i]), dtype=np.int64)
    later = store.query("analysis_violations", {"until": end.isoformat()})
    positive_keys = {v["subject"] for v in later if v["label"] == "Enterprise" and v["decided_on"] > as_of.isoformat()}
    past_keys = {v["subject"] for v in later if v["label"] == "Enterprise" and v["decided_on"] <= as_of.isoformat()}
    keys = [p.key[i] for i in population]
    positive = np.array([k in positive_keys for k in keys])
    history = np.array([k in past_keys for k in keys])
    scores = {"model": analysis.score[population]}
    for name, baseline in (baselines or {}).items():
        t = time.monotonic()
        scores[name] = baseline(analysis)[population]
        seconds[name] = time.monotonic() - t
    metrics = {name: grade(s, positive, history) for name, s in scores.items()}
    report = Report(as_of.isoformat(), horizon_months, len(population), int(positive.sum()), int((positive & ~history).sum()),
                    metrics, seconds=seconds)
    if truth:
        report.schemes = _schemes(truth, keys, scores["model"], positive)
    return report, analysis, {"positive": positive, **scores}


def write(report: Report, graded: dict[str, np.ndarray], outdir: Path) -> Path:
    """Write ``report.md``, ``report.json`` and the PNG charts to ``outdir``; return the markdown path."""
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "report.json").write_text(json.dumps(asdict(report), indent=1) + "\n", encoding="utf-8")
    charts.entity_charts(graded, outdir)
    (outdir / "report.md").write_text(markdown(report), encoding="utf-8")
    return outdir / "report.md"


def markdown(report: Report) -> str:
    """Return the report as a markdown page (the same table the command prints)."""
    lines = [
        f"# Backtest as of {report.as_of}, {report.horizon_months}-month horizon",
        "",
        f"Population: {report.population:,} enterprises known on {report.as_of}; {report.positives:,} with a violation "
        f"decided in the horizon, {report.positives_no_history:,} of them with none before.",
        "",
        "| ranking | P@1% | P@5% | recall@5% | lift@5% | AP | ROC AUC | recall@5% no history |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in report.metrics.items():
        lines.append(f"| {name} | {m.precision_at_1:.3f} | {m.precision_at_5:.3f} | {m.recall_at_5:.3f} | {m.lift_at_5:.1f} | "
                     f"{m.average_precision:.3f} | {m.roc_auc:.3f} | {m.recall_at_5_no_history:.3f} |")
    if report.schemes:
        lines += ["", "Planted schemes (ground truth): member enterprises with a violation in the horizon, and how many the top 5% holds.",
                  "", "| scheme kind | positives | in top 5% | recall |", "|---|---|---|---|"]
        for kind, s in sorted(report.schemes.items()):
            lines.append(f"| {kind} | {s['positives']} | {s['found']} | {s['recall']:.3f} |")
    lines += ["", "Charts: `precision_recall.png`, `gains.png`, `scores_by_outcome.png`.",
              "", "Seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()), ""]
    return "\n".join(lines)


def _schemes(truth: dict, keys: list[str], score: np.ndarray, positive: np.ndarray) -> dict[str, dict]:
    top = set(np.argsort(-score, kind="stable")[: max(1, round(len(score) * 0.05))].tolist())
    where = {k: i for i, k in enumerate(keys)}
    out: dict[str, dict] = {}
    for scheme in truth.get("schemes", []):
        s = out.setdefault(scheme["kind"], {"positives": 0, "found": 0})
        for m in scheme["members"]:
            i = where.get(m["id"]) if m["kind"] == "enterprise" else None
            if i is not None and positive[i]:
                s["positives"] += 1
                s["found"] += i in top
    for s in out.values():
        s["recall"] = s["found"] / s["positives"] if s["positives"] else 0.0
    return out
