"""Analysis benchmark: `analyze`, `assess` and `backtest` on a loaded world.

    .venv/bin/python bench/analyze.py [--data bench/out/analyze-data] [--world bench/out/world-100000-1]
                                      [--as-of 2025-12-31] [--assess 50000]

The store in ``--data`` must hold the world already (``riskgraph --data-dir DATA ingest
WORLD``; bench/ingest.py's run does it). First ``riskgraph fit-ranker`` in a child process
(the separate training step: its wall time and peak RSS), then ``analyze`` here with the
ranker it saved. Prints and writes ``bench/out/analyze.json``:
wall time of analyze by phase and its peak RSS (this process), the store server's RSS,
assess declarations/s over the newest ``--assess`` declarations of the world file, and the cost of
a backtest as of the world's cut-off with its metrics.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import subprocess
import sys
import time
from collections import deque
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from procfs import status_mb  # noqa: E402  (beside this file)

from riskgraph.channels import Assessor  # noqa: E402
from riskgraph.entities import newest_ranker  # noqa: E402
from riskgraph.entities.analysis import analyze  # noqa: E402
from riskgraph.entities.results import save  # noqa: E402
from riskgraph.evaluation import BASELINES  # noqa: E402
from riskgraph.evaluation import entity_backtest as backtest  # noqa: E402
from riskgraph.graph import open_store  # noqa: E402
from riskgraph.ingest.declaration_file import read_declarations as read  # noqa: E402
from riskgraph.settings import load  # noqa: E402

OUT = Path(__file__).parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=OUT / "analyze-data")
    parser.add_argument("--world", type=Path, default=OUT / "world-100000-1")
    parser.add_argument("--as-of", default="2025-12-31")
    parser.add_argument("--assess", type=int, default=50_000)
    parser.add_argument("--skip-backtest", action="store_true")
    args = parser.parse_args()

    settings = load(env={}, data_dir=args.data)
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "riskgraph.cli", "--data-dir", str(args.data), "fit-ranker", "--as-of", args.as_of],
                   check=True)
    fit_s = time.monotonic() - t
    fit_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ranker = newest_ranker(settings.models_dir, date.fromisoformat(args.as_of))
    store = open_store(settings)
    store.ensure_schema()
    server_pid = store.info().details["pid"]
    t0 = time.monotonic()
    result = analyze(store, date.fromisoformat(args.as_of), ranker=ranker)
    t1 = time.monotonic()
    save(store, result)
    analyze_s = time.monotonic() - t0
    timings = {**{k: round(v, 1) for k, v in result.timings.items()}, "write": round(time.monotonic() - t1, 1)}
    analyze_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    entities = int(len(result.entities()))
    declarations_read = int(len(result.projection.declarations.get("trader", ())))
    result_ranker = result.ranker
    del result

    sample = OUT / "assess-sample.csv"
    # The newest declarations: what a clearance system sends is new, and older ones scored
    # with today's analysis and model would not fall into the channels in the policy's shares.
    with open(args.world / "declarations.csv", newline="", encoding="utf-8") as src, open(sample, "w", newline="", encoding="utf-8") as dst:
        rows = csv.reader(src)
        writer = csv.writer(dst)
        writer.writerow(next(rows))
        writer.writerows(deque(rows, maxlen=args.assess))
    assessor = Assessor(store)
    t2 = time.monotonic()
    assessed = sum(len(assessor.assess(batch)) for batch in read(sample))
    assess_s = time.monotonic() - t2

    out = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, Python {platform.python_version()}",
        "command": " ".join(["bench/analyze.py", *sys.argv[1:]]),
        "as_of": args.as_of,
        "entities_scored": entities,
        "declarations_read": declarations_read,
        "fit_ranker_s": round(fit_s, 1),
        "fit_ranker_peak_rss_mb": round(fit_rss),
        "ranker": result_ranker,
        "analyze_s": round(analyze_s, 1),
        "analyze_phases_s": timings,
        "analyze_peak_rss_mb": round(analyze_rss),
        "store_rss_mb": status_mb(server_pid, "VmRSS:"),
        "assess_declarations": assessed,
        "assess_s": round(assess_s, 2),
        "assess_per_s": round(assessed / assess_s),
    }
    if not args.skip_backtest:
        truth_path = args.world / "ground_truth.json"
        truth = json.loads(truth_path.read_text()) if truth_path.exists() else None
        cutoff = date.fromisoformat(truth["cutoff"]) if truth else date.fromisoformat(args.as_of)
        t3 = time.monotonic()
        report, _, graded = backtest.run(store, cutoff, 12, baselines=BASELINES, truth=truth)
        out["backtest_s"] = round(time.monotonic() - t3, 1)
        out["backtest"] = {name: vars(m) for name, m in report.metrics.items()}
        backtest.write(report, graded, OUT / "backtest-100k")
    store.close()
    OUT.mkdir(exist_ok=True)
    (OUT / "analyze.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
