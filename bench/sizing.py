"""Sizing benchmark (issue "Scale", part 4): every stage at several world sizes.

    .venv/bin/python bench/sizing.py --enterprises 25000 100000 270000 [--seed 1] [--as-of 2025-12-31]
                                     [--history-months 60] [--stages generate load analyze train assess api restart]
                                     [--stages warm]

Per size (a generated world of N enterprises, about 10 declarations each over 2021-2025):
generate the world (reused when ``bench/out/world-N-SEED`` exists), bulk-load it into a
fresh store in ``bench/out/sizing-N`` (``ingest --bulk --workers 1``), fit the entity
ranker and ``analyze`` as of ``--as-of``, ``train`` twice on the ``--history-months``
before it (cold: every month read from the graph into the columnar copy and every cut
analysed and kept as a snapshot; warm: both read back; the two models must have the
same id; ``--stages warm`` runs the warm one alone, on the copy and snapshots left),
``assess`` the newest 20,000 declarations of the world in batches, serve them with two
API processes at 200 requests/s of the clearance mix for 30 s (``bench/api.py``), and
finally stop the store and time its start from disk. Each stage is the ``riskgraph``
command in a child process: its wall time, CPU time and peak RSS (from ``wait4``) are
recorded, with the store server's RSS after it and the store's size on disk.

This process stays attached to the store, so that the server runs across the stages
(a command that attaches to a running server does not replay the append-only file).
Results go to ``bench/out/sizing.json`` (or ``--results``; per size and stage, merged with earlier runs,
so stages can be run apart); the table and the fitted growth of each stage (the slope of
log cost over log declarations: 1 is linear; CPU seconds are the steadier figure on a
shared machine) are printed. A stage's log is in
``bench/out/sizing-N.log``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import deque
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from procfs import status_mb  # noqa: E402  (beside this file)

from riskgraph.graph import open_store  # noqa: E402
from riskgraph.settings import load  # noqa: E402

STAGES = ("generate", "load", "analyze", "train", "warm", "assess", "api", "restart")
RISKGRAPH = [sys.executable, "-m", "riskgraph.cli"]
MIX = "entityRisk=70,assessDeclaration=25,dossier=5"


def _du_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6)


def run(argv: list[str], log: Path, stdout: Path | None = None) -> dict:
    """Run ``argv`` to its end with its output appended to ``log`` (standard output to
    ``stdout`` if given); return its wall and CPU seconds and peak RSS (MB; the largest of
    it and the children it waited for)."""
    with open(log, "a", encoding="utf-8") as out, open(stdout or os.devnull, "w", encoding="utf-8") as answer:
        print(f"\n$ {' '.join(argv)}", file=out, flush=True)
        t = time.monotonic()
        child = subprocess.Popen(argv, stdout=answer if stdout else out, stderr=out, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({os.waitstatus_to_exitcode(status)}): see {log}")
    return {"s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def newest(world: Path, target: Path, rows: int) -> int:
    """Write the newest ``rows`` declarations of ``world`` to ``target``; return how many."""
    with open(world / "declarations.csv", newline="", encoding="utf-8") as src, open(target, "w", newline="", encoding="utf-8") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst)
        writer.writerow(next(reader))
        kept = deque(reader, maxlen=rows)
        writer.writerows(kept)
    return len(kept)


def size(enterprises: int, args: argparse.Namespace, results: dict) -> None:
    world = OUT / f"world-{enterprises}-{args.seed}"
    data = OUT / f"sizing-{enterprises}"
    log = OUT / f"sizing-{enterprises}.log"
    mine = results.setdefault(str(enterprises), {})
    cli = [*RISKGRAPH, "--data-dir", str(data)]

    def record(stage: str, figures: dict) -> None:
        mine[stage] = figures
        print(f"{enterprises:>7} {stage:<14} {json.dumps(figures)}", flush=True)
        args.results.write_text(json.dumps(results, indent=1))

    if "generate" in args.stages and not (world / "ground_truth.json").is_file():
        record("generate", run([*RISKGRAPH, "generate", str(world), "--enterprises", str(enterprises), "--seed", str(args.seed)], log))
    with open(world / "declarations.csv", encoding="utf-8") as handle:
        mine["declarations"] = sum(1 for _ in handle) - 1
    if "load" in args.stages:
        shutil.rmtree(data, ignore_errors=True)
    store = open_store(load(env={}, data_dir=data))
    server = store.info().details["pid"]
    try:
        if "load" in args.stages:
            figures = run([*cli, "ingest", "--bulk", "--workers", "1", str(world)], log)
            record("load", {**figures, "declarations_per_s": round(mine["declarations"] / figures["s"]),
                            "store_rss_mb": status_mb(server, "VmRSS:")})
        if "analyze" in args.stages:
            record("fit_ranker", run([*cli, "fit-ranker", "--as-of", args.as_of], log))
            record("analyze", {**run([*cli, "analyze", "--as-of", args.as_of], log), "store_rss_mb": status_mb(server, "VmRSS:")})
        if "train" in args.stages or "warm" in args.stages:
            # Cold: no columnar copy and no snapshot, so every month is read from the graph (and
            # kept in the copy) and every cut analysed (and kept); warm: both read back. The two
            # models must be the same (the same id).
            if "train" in args.stages:
                shutil.rmtree(data / "snapshots", ignore_errors=True)
                shutil.rmtree(data / "columnar", ignore_errors=True)
            train = [*cli, "train", "--as-of", args.as_of, "--history-months", str(args.history_months)]
            for stage in ("train_cold", "train_warm") if "train" in args.stages else ("train_warm",):
                answer = OUT / f"sizing-{enterprises}-{stage}.txt"
                figures = run(train, log, stdout=answer)
                said = answer.read_text(encoding="utf-8")
                record(stage, {**figures, "model": re.search(r"model (\S+):", said)[1],
                               "steps_s": {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+) s", said.split("(", 1)[1].split(")")[0])},
                               "labelled": int(re.search(r"([\d,]+) with an outcome", said)[1].replace(",", "")),
                               "store_rss_mb": status_mb(server, "VmRSS:")})
            mine["columnar_disk_mb"] = _du_mb(data / "columnar")
        sample = OUT / f"sizing-{enterprises}-sample.csv"
        if "assess" in args.stages:
            n = newest(world, sample, 20_000)
            figures = run([*cli, "assess", str(sample)], log, stdout=OUT / f"sizing-{enterprises}-lanes.csv")
            record("assess", {**figures, "declarations": n, "declarations_per_s": round(n / figures["s"])})
        if "api" in args.stages:
            if not sample.exists():
                newest(world, sample, 20_000)
            api_out = OUT / f"sizing-{enterprises}-api.json"
            run([sys.executable, str(ROOT / "bench" / "api.py"), "--data-dir", str(data), "--world", str(world),
                 "--sample", str(sample), "--servers", "2", "--mix", MIX, "--rate", "200", "--concurrency", "32",
                 "--seconds", "30", "--warmup", "5", "--out", str(api_out)], log)
            api = json.loads(api_out.read_text())
            mix = next(iter(api["operations"].values()))
            record("api", {"per_s": mix["per_s"], "errors": mix["errors"],
                           "p99_ms": {op: f["p99_ms"] for op, f in mix["by_operation"].items()},
                           "server_peak_rss_mb": api["server_peak_rss_mb"], "worker_peak_rss_mb": api["worker_peak_rss_mb"]})
        mine["store_peak_rss_mb"] = status_mb(server, "VmHWM:")
    finally:
        store.close()
    if "restart" in args.stages:
        mine["store_disk_mb"] = _du_mb(data / "falkordb")
        t = time.monotonic()
        store = open_store(load(env={}, data_dir=data))
        record("restart", {"s": round(time.monotonic() - t, 1), "store_rss_mb": status_mb(store.info().details["pid"], "VmRSS:"),
                           "store_disk_mb": mine["store_disk_mb"]})
        store.close()


def growth(results: dict) -> dict:
    """Return, per stage, the slope of log seconds (wall and CPU, and log peak RSS) over log
    declarations."""
    sizes = [r for r in results.values() if "declarations" in r]
    slopes = {}
    for stage in sorted({s for r in sizes for s in r if isinstance(r[s], dict)}):
        for figure in ("s", "cpu_s", "peak_rss_mb"):
            points = [(math.log(r["declarations"]), math.log(r[stage][figure])) for r in sizes
                      if stage in r and r[stage].get(figure)]
            if len(points) >= 2:
                mx = sum(x for x, _ in points) / len(points)
                my = sum(y for _, y in points) / len(points)
                slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
                slopes[f"{stage}.{figure}"] = round(slope, 2)
    return slopes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, nargs="+", default=[25_000, 100_000, 270_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2025-12-31")
    parser.add_argument("--history-months", type=int, default=60)
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--results", type=Path, default=OUT / "sizing.json", help="Where the figures are merged.")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = args.results
    results = json.loads(path.read_text()) if path.exists() else {}
    results["machine"] = (f"{platform.machine()}, {os.cpu_count()} cores, "
                          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python {platform.python_version()}")
    results["date"] = date.today().isoformat()
    for enterprises in args.enterprises:
        size(enterprises, args, results)
    results["growth"] = growth({k: v for k, v in results.items() if k.isdigit()})
    path.write_text(json.dumps(results, indent=1))
    print(json.dumps(results["growth"], indent=1))


if __name__ == "__main__":
    main()
