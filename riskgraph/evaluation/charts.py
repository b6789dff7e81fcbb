"""Charts of the backtests, as PNG files (matplotlib, without a display)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from riskgraph.ranking import hits as ranked


def entity_charts(graded: dict[str, np.ndarray], outdir: Path) -> None:
    """Write the entity backtest's charts to ``outdir``: precision_recall.png, gains.png
    and scores_by_outcome.png. ``graded`` holds ``positive`` and a score per ranking."""
    plt = _pyplot()
    positive = graded["positive"]
    names = [k for k in graded if k != "positive"]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name in names:
        hits = ranked(graded[name], positive)
        cum = np.cumsum(hits)
        ax.plot(cum / max(1, positive.sum()), cum / np.arange(1, len(hits) + 1), label=name)
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "precision_recall.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name in names:
        hits = ranked(graded[name], positive)
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


def declaration_charts(report, scores: dict[str, np.ndarray], positive: np.ndarray, out_dir: Path) -> list[Path]:
    """Write the declaration backtest's charts to ``out_dir`` (precision by inspection
    budget, metrics by ranking) and return their paths. ``report`` is the backtest's
    Report; ``scores`` a score per ranking, ``positive`` the outcome."""
    plt = _pyplot()
    written = [out_dir / "precision_recall.png", out_dir / "metrics.png"]

    fig, ax = plt.subplots(figsize=(7, 5))
    for name, score in scores.items():
        hits = np.cumsum(ranked(score, positive))
        ax.plot(np.arange(1, len(hits) + 1) / len(hits), hits / np.arange(1, len(hits) + 1), label=name)
    ax.set_xscale("log")
    ax.set_xlabel("share of the inspected declarations selected (inspection budget)")
    ax.set_ylabel("precision: discrepancies found per declaration selected")
    ax.set_title(f"Declaration selectivity after {report.as_of} ({report.graded:,} graded)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(written[0], dpi=110)
    plt.close(fig)

    keys = ("precision_at_5", "recall_at_10", "average_precision", "revenue_at_5")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(report.metrics)
    for j, (name, m) in enumerate(report.metrics.items()):
        ax.bar(np.arange(len(keys)) + j * width, [getattr(m, k) for k in keys], width, label=name)
    ax.set_xticks(np.arange(len(keys)) + 0.4 - width / 2, keys)
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("Model and baselines on the same declarations")
    fig.tight_layout()
    fig.savefig(written[1], dpi=110)
    plt.close(fig)
    return written


def _pyplot():
    import matplotlib  # heavy: imported only when a chart is drawn

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
