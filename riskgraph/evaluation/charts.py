"""Charts of the backtests and the compliance report, as PNG files (matplotlib, without a display)."""

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


def compliance_charts(report, out_dir: Path, top: int = 15) -> list[Path]:
    """Write the compliance report's charts to ``out_dir`` and return their paths:
    noncompliance.png (the rate of the ``top`` largest groups of each dimension, with its
    Wilson interval; small groups pale) and targeting.png (hit rate and revenue per
    inspection, targeted against random). ``report`` is a compliance Report."""
    plt = _pyplot()
    written = [out_dir / "noncompliance.png", out_dir / "targeting.png"]

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (dimension, groups) in zip(axes.flat, report.groups.items()):
        shown = [g for g in groups[:top] if g.rate.n]
        y = np.arange(len(shown))
        rates = np.array([g.rate.rate for g in shown])
        errors = np.array([[g.rate.rate - g.rate.low for g in shown], [g.rate.high - g.rate.rate for g in shown]])
        errors = np.clip(errors.reshape(2, -1), 0, 1)
        colours = ["#c6dbef" if g.rate.small else "#2171b5" for g in shown]
        ax.barh(y, rates, xerr=errors, color=colours, ecolor="#555555", capsize=2)
        ax.set_yticks(y, [f"{g.value} (n={g.rate.n})" for g in shown], fontsize=7)
        ax.invert_yaxis()
        if report.overall.rate is not None:
            ax.axvline(report.overall.rate, color="#cb181d", lw=0.8)
        ax.set(xlabel="non-compliance rate (95% Wilson interval)", title=f"by {dimension.replace('_', ' ')}",
               xlim=(0, min(1.0, 1.1 * max([g.rate.high for g in shown] or [1.0]))))
    fig.suptitle(f"Non-compliance from random inspections, {report.date_from} to {report.date_to} "
                 f"(red: overall; pale: fewer than {report.min_n})")
    fig.tight_layout()
    fig.savefig(written[0], dpi=110)
    plt.close(fig)

    t = report.targeting
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    pairs = [("targeted", t.targeted, t.revenue_per_targeted_vnd), ("random", t.random, t.revenue_per_random_vnd)]
    for x, (name, r, _) in enumerate(pairs):
        if r.rate is not None:
            left.bar(x, r.rate, yerr=[[max(0.0, r.rate - r.low)], [max(0.0, r.high - r.rate)]], color="#2171b5", ecolor="#555555",
                     capsize=4)
    left.set_xticks([0, 1], [f"{name}\n(n={r.n})" for name, r, _ in pairs])
    top_rate = max([r.high for _, r, _ in pairs if r.n] or [1.0])
    left.set(ylabel="hit rate (95% Wilson interval)", ylim=(0, min(1.0, 1.25 * top_rate) or 1.0),
             title="Hit rate" + (f": lift {t.lift:.1f}x" if t.lift is not None else ""))
    right.bar([0, 1], [(v or 0) / 1e6 for *_, v in pairs], color="#238b45")
    right.set_xticks([0, 1], [name for name, *_ in pairs])
    right.set(ylabel="million VND per inspection", title="Back tax and penalties per inspection")
    fig.tight_layout()
    fig.savefig(written[1], dpi=110)
    plt.close(fig)
    return written


def _pyplot():
    import matplotlib  # heavy: imported only when a chart is drawn

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
