"""Ranking quality over several generated worlds: the model against both baselines.

    .venv/bin/python bench/quality.py [--enterprises 20000] [--seeds 1 2 3] [--horizon 12]

For each seed: generate the world (bench/out/quality/world-N-SEED) and load it into its
own store (bench/out/quality/data-N-SEED) unless already there, then backtest as of the
world's cut-off with the ground truth. Prints each seed's table and the mean and
standard deviation of every metric over the seeds; writes bench/out/quality.json and
each seed's report directory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from riskgraph.evaluation import BASELINES  # noqa: E402
from riskgraph.evaluation import entity_backtest as backtest  # noqa: E402
from riskgraph.graph import open_store  # noqa: E402
from riskgraph.ingest.pipeline import ingest  # noqa: E402
from riskgraph.settings import load  # noqa: E402

OUT = Path(__file__).parent / "out" / "quality"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--horizon", type=int, default=12)
    args = parser.parse_args()
    per_seed = {}
    for seed in args.seeds:
        world = OUT / f"world-{args.enterprises}-{seed}"
        if not (world / "ground_truth.json").exists():
            subprocess.run([sys.executable, "-m", "riskgraph.cli", "generate", str(world), "--enterprises", str(args.enterprises), "--seed", str(seed)], check=True)
        settings = load(env={}, data_dir=OUT / f"data-{args.enterprises}-{seed}")
        store = open_store(settings)
        try:
            ingest(store, world, settings.runs_dir)  # skipped when loaded already
            store.ensure_schema()
            truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
            report, _, graded = backtest.run(store, date.fromisoformat(truth["cutoff"]), args.horizon, baselines=BASELINES, truth=truth)
        finally:
            store.close()
        backtest.write(report, graded, OUT / f"report-{args.enterprises}-{seed}")
        print(backtest.markdown(report), flush=True)
        per_seed[seed] = {"positives": report.positives, "positives_no_history": report.positives_no_history,
                          "metrics": {name: vars(m) for name, m in report.metrics.items()}, "schemes": report.schemes,
                          "seconds": report.seconds}
    summary = {}
    for name in per_seed[args.seeds[0]]["metrics"]:
        summary[name] = {}
        for metric in per_seed[args.seeds[0]]["metrics"][name]:
            values = np.array([per_seed[s]["metrics"][name][metric] for s in args.seeds])
            summary[name][metric] = {"mean": round(float(values.mean()), 3), "sd": round(float(values.std(ddof=1)) if len(values) > 1 else 0.0, 3)}
    print(f"\nmean (sd) over seeds {args.seeds}, {args.enterprises:,} enterprises, {args.horizon}-month horizon")
    for name, metrics in summary.items():
        print(f"{name:28s} " + "  ".join(f"{k} {v['mean']:.3f} ({v['sd']:.3f})" for k, v in metrics.items()))
    out = {"date": date.today().isoformat(), "command": " ".join(["bench/quality.py", *sys.argv[1:]]),
           "enterprises": args.enterprises, "seeds": args.seeds, "per_seed": per_seed, "summary": summary}
    (OUT.parent / "quality.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
