"""Backtest: score as of a date, then grade the ranking on the violations decided after it.

The population is every enterprise known at the as-of date; an enterprise is positive
if a violation against it is decided in the horizon after that date. Metrics are those
of a targeting unit with a budget: precision at the top 1% and 5%, recall and lift at
5%, average precision, ROC AUC, and recall at 5% among positives with no violation of
their own before the date, the ones only the network and the declarations can find.
Baselines (see ``bench/baselines.py``) are graded on the same population in the same run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from riskgraph.algorithms.analysis import Analysis, analyze
from riskgraph.graph.store import Store

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
    n = len(score)
    order = np.argsort(-score, kind="stable")
    hits = positive[order]
    total = max(1, int(positive.sum()))
    top1, top5 = max(1, round(n * 0.01)), max(1, round(n * 0.05))
    cum = np.cumsum(hits)
    new = positive & ~history
    return Metrics(
        precision_at_1=float(cum[top1 - 1] / top1),
        precision_at_5=float(cum[top5 - 1] / top5),
        recall_at_5=float(cum[top5 - 1] / total),
        lift_at_5=float((cum[top5 - 1] / top5) / (total / n)) if positive.any() else 0.0,
        average_precision=average_precision(score, positive),
        roc_auc=_auc(score, positive),
        recall_at_5_no_history=float(new[order][:top5].sum() / max(1, new.sum())),
    )


def average_precision(score: np.ndarray, positive: np.ndarray) -> float:
    """Return the average precision of ranking ``score`` against boolean ``positive``
    (0 without positives); ties keep the given order. Cost: O(n log n)."""
    hits = positive[np.argsort(-score, kind="stable")]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / max(1, int(positive.sum())))


def run(store: Store, as_of: date, horizon_months: int = 12, *, baselines: Mapping[str, Baseline] | None = None,
        truth: dict | None = None) -> tuple[Report, Analysis, dict[str, np.ndarray]]:
    """Analyse as of ``as_of`` and grade the model and ``baselines`` on the horizon.

    Returns the report, the analysis, and the scores graded (by name) for the charts.
    """
    import time

    t = time.monotonic()
    analysis = analyze(store, as_of)
    seconds = {"analysis": time.monotonic() - t}
    p = analysis.projection
    end = _add_months(as_of, horizon_months)
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
    _charts(graded, outdir)
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


def _auc(score: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half."""
    pos, neg = int(positive.sum()), int((~positive).sum())
    if not pos or not neg:
        return 0.5
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2
    ranks[order] = np.repeat(average, counts)
    return float((ranks[positive].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _charts(graded: dict[str, np.ndarray], outdir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    positive = graded["positive"]
    names = [k for k in graded if k != "positive"]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name in names:
        hits = positive[np.argsort(-graded[name], kind="stable")]
        cum = np.cumsum(hits)
        ax.plot(cum / max(1, positive.sum()), cum / np.arange(1, len(hits) + 1), label=name)
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "precision_recall.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name in names:
        hits = positive[np.argsort(-graded[name], kind="stable")]
        share = np.arange(1, len(hits) + 1) / len(hits)
        ax.plot(share, np.cumsum(hits) / max(1, positive.sum()), label=name)
    ax.plot([0, 1], [0, 1], "k:", label="random")
    ax.axvline(0.05, color="grey", lw=0.8)
    ax.set(xlabel="share of enterprises targeted", ylabel="share of violators found", title="Cumulative gains (lift at 5% marked)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "gains.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4.5))
    bins = np.linspace(0, 1, 41)
    ax.hist(graded["model"][~positive], bins=bins, alpha=0.6, density=True, label="no violation in horizon")
    ax.hist(graded["model"][positive], bins=bins, alpha=0.6, density=True, label="violation in horizon")
    ax.set(xlabel="model score", ylabel="density", title="Score distribution by outcome", yscale="log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "scores_by_outcome.png", dpi=110)
    plt.close(fig)


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    day = min(d.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
    return date(year, month + 1, day)


def load_baselines(path: Path) -> dict[str, Baseline]:
    """Return the ``BASELINES`` mapping (name -> function) of the Python file ``path``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("riskgraph_baselines", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.BASELINES)
