"""Benchmarks of the learned selectivity model (issue 6).

    python bench/selectivity.py quality [--seeds 1 2 3] [--enterprises 10000]
        Generate and load one world per seed, then run the declaration backtest
        (train as of --as-of, grade the --horizon months after) and print model and
        baselines per seed and on average. Writes bench/out/selectivity-quality.json.

    python bench/selectivity.py fit [--enterprises 270000]
        Fit the model on the labelled declarations of a generated world read from its
        feed file (every declaration of the world as the window, no graph scores):
        the cost of features, propensity and trees at a million labels.

    python bench/selectivity.py store --data-dir bench/out/analyze-data --as-of 2025-12-31
        `riskgraph train` on a loaded store, phase by phase; then assessment speed with
        that model: declarations/s in batches of 2,000 and single-declaration p50/p99.

Each command prints its figures and writes them as JSON under bench/out/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from riskgraph import declarations as S  # noqa: E402
from riskgraph.dates import day_start  # noqa: E402
from riskgraph.declarations import features as F  # noqa: E402
from riskgraph.evaluation import declaration_backtest as B  # noqa: E402
from riskgraph.graph import open_store  # noqa: E402
from riskgraph.settings import load  # noqa: E402

RANKINGS = ("model", "entity_history", "hs_origin_rate", "model_without_graph")


def _world(enterprises: int, seed: int) -> Path:
    from riskgraph.synthetic import generate

    world = OUT / f"world-{enterprises}-{seed}"
    if not (world / "ground_truth.json").is_file():
        t = time.perf_counter()
        generate(world, enterprises, seed)
        print(f"generated {world} in {time.perf_counter() - t:.0f} s", flush=True)
    return world


def quality(args) -> None:
    from riskgraph.ingest.pipeline import ingest

    results = {}
    for seed in args.seeds:
        world = _world(args.enterprises, seed)
        data = OUT / f"selectivity-data-{args.enterprises}-{seed}"
        settings = load(env={}, data_dir=data)
        store = open_store(settings)
        try:
            if not (data / "loaded").is_file():
                ingest(store, world, data / "runs")
                store.ensure_schema()
                (data / "loaded").write_text("yes")
            t = time.perf_counter()
            report, scores, positive = B.run(store, date.fromisoformat(args.as_of), args.horizon)
            B.write(report, scores, positive, OUT / f"selectivity-backtest-{args.enterprises}-{seed}")
        finally:
            store.close()
        print(f"\nseed {seed}: {report.graded:,} graded, {report.positives:,} positives, "
              f"{report.random_graded:,} random ({report.random_positives} positive), {time.perf_counter() - t:.0f} s")
        print(B.markdown(report))
        results[seed] = asdict(report)
    mean = {name: {k: float(np.mean([results[s]["metrics"][name][k] for s in results]))
                   for k in results[args.seeds[0]]["metrics"][name]} for name in RANKINGS}
    print("\nmean over seeds", args.seeds)
    for name in RANKINGS:
        m = mean[name]
        print(f"  {name:<20} AP {m['average_precision']:.3f}  P@5% {m['precision_at_5']:.3f}  "
              f"R@10% {m['recall_at_10']:.3f}  AUC {m['roc_auc']:.3f}  revenue@5% {m['revenue_at_5']:.3f}")
    (OUT / "selectivity-quality.json").write_text(json.dumps({"args": vars(args), "seeds": results, "mean": mean}, indent=1))


def fit(args) -> None:
    from riskgraph.ingest.declaration_file import read_declarations as read

    world = _world(args.enterprises, 1)
    from riskgraph.memory import cyclic_gc_paused

    with cyclic_gc_paused():
        t = time.perf_counter()
        records = [r for batch in read(world / "declarations.csv") for r in batch]
        read_s = time.perf_counter() - t
        t = time.perf_counter()
        d = F.from_records(records)
        del records
        columns_s = time.perf_counter() - t
    violations: dict[str, list[float]] = {}
    import csv

    with open(world / "violations.csv", newline="", encoding="utf-8") as f:
        for v in csv.DictReader(f):
            if v["subject_kind"] == "enterprise":
                violations.setdefault(v["subject_id"], []).append(day_start(date.fromisoformat(v["decided_on"])) + 86399)
    violations = {k: sorted(v) for k, v in violations.items()}
    first, last = date.fromtimestamp(d.time[0]), date.fromtimestamp(d.time[-1])
    t = time.perf_counter()
    model = S.fit(d, violations, None, since=first, until=last)
    fit_s = time.perf_counter() - t
    figures = {
        "enterprises": args.enterprises, "declarations": len(d), "labelled": int(d.labelled.sum()),
        "positives": int((d.labelled & d.positive).sum()), "read_and_validate_s": round(read_s, 1),
        "columns_s": round(columns_s, 1), "fit_s": round(fit_s, 1), "phases": model.metrics["seconds"],
        "best_iteration": model.metrics["best_iteration"], "valid_average_precision": model.metrics["valid_average_precision"],
    }
    print(json.dumps(figures, indent=1))
    (OUT / "selectivity-fit.json").write_text(json.dumps(figures, indent=1))


def store(args) -> None:
    from riskgraph.channels import Assessor
    from riskgraph.ingest.declaration_file import read_declarations as read

    settings = load(env={}, data_dir=Path(args.data_dir))
    s = open_store(settings)
    try:
        t = time.perf_counter()
        model = S.train(s, date.fromisoformat(args.as_of), history_months=args.history_months)
        train_s = time.perf_counter() - t
        S.save(model, settings.models_dir)
        assessor = Assessor(s, models_dir=settings.models_dir)
        assert assessor.model is not None and assessor.model.version == model.version, "the assessor did not take the new model"
        batches = [b for b in read(Path(args.sample))]
        total = sum(len(b) for b in batches)
        t = time.perf_counter()
        for b in batches:
            assessor.assess(b)
        batch_rate = total / (time.perf_counter() - t)
        singles = [r for b in batches for r in b][: args.singles]
        took = []
        for r in singles:
            t = time.perf_counter()
            assessor.assess([r])
            took.append((time.perf_counter() - t) * 1000)
    finally:
        s.close()
    figures = {
        "data_dir": args.data_dir, "as_of": args.as_of, "history_months": args.history_months, "train_s": round(train_s, 1),
        "model": model.version, "metrics": model.metrics,
        "assess_batch_per_s": round(batch_rate), "assess_batch_declarations": total,
        "single_ms": {"p50": round(float(np.percentile(took, 50)), 2), "p99": round(float(np.percentile(took, 99)), 2),
                      "max": round(max(took), 2), "n": len(took)},
    }
    print(json.dumps(figures, indent=1))
    (OUT / "selectivity-store.json").write_text(json.dumps(figures, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    q.add_argument("--enterprises", type=int, default=10_000)
    q.add_argument("--as-of", default="2024-12-31")
    q.add_argument("--horizon", type=int, default=12)
    f = sub.add_parser("fit")
    f.add_argument("--enterprises", type=int, default=270_000)
    st = sub.add_parser("store")
    st.add_argument("--data-dir", default=str(OUT / "analyze-data"))
    st.add_argument("--as-of", default="2025-12-31")
    st.add_argument("--history-months", type=int, default=24)
    st.add_argument("--sample", default=str(OUT / "assess-sample.csv"))
    st.add_argument("--singles", type=int, default=2000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    {"quality": quality, "fit": fit, "store": store}[args.command](args)


if __name__ == "__main__":
    main()
