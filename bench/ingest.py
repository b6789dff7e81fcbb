"""Ingest benchmark: a generated world into a fresh embedded store, then an increment.

    .venv/bin/python bench/ingest.py [--enterprises 100000] [--seed 1] [--increment 50000] [--bulk] [--compare-merge]

Prints and writes ``bench/out/ingest.json``: declarations/s end to end, nodes and
relationships/s, the CPU of each process (this one, the validating workers, the store
server and the rewrites of its append-only file, which it forks), peak RSS of this (the
riskgraph) process and of the store server, store size on disk, and the rate of an
incremental feed of new declarations into the loaded graph. The world is generated in a
child process so that its memory is not counted against ingest. ``--bulk`` makes the first load through the bulk path (``ingest
--bulk``); ``--compare-merge`` then also loads the world by MERGE into a graph of its own
and checks that both graphs have the same canonical digest.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from procfs import cpu_seconds, reaped_cpu_seconds, status_mb  # beside this file

from riskgraph.graph import open_store
from riskgraph.graph.digest import graph_digest
from riskgraph.ingest.pipeline import bulk_ingest, ingest
from riskgraph.settings import load

OUT = Path(__file__).parent / "out"


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _increment(world: Path, target: Path, rows: int) -> int:
    """Write ``rows`` new declarations by existing traders: copies of old rows, new numbers."""
    target.mkdir(parents=True, exist_ok=True)
    with open(world / "declarations.csv", newline="", encoding="utf-8") as src, open(target / "declarations.csv", "w", newline="", encoding="utf-8") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames)
        writer.writeheader()
        n = 0
        for n, row in enumerate(reader, start=1):
            row["declaration_no"] = f"9{n:011d}"
            writer.writerow(row)
            if n == rows:
                break
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--increment", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--bulk", action="store_true", help="first load through the bulk path")
    parser.add_argument("--workers", type=int, default=0, help="processes that validate the rows of the first load")
    parser.add_argument("--compare-merge", action="store_true", help="also load by MERGE and compare the digests")
    args = parser.parse_args()

    world = OUT / f"world-{args.enterprises}-{args.seed}"
    started = time.monotonic()
    if not (world / "declarations.csv").exists():
        subprocess.run([sys.executable, "-m", "riskgraph.cli", "generate", str(world), "--enterprises", str(args.enterprises), "--seed", str(args.seed)], check=True)
    generated_s = time.monotonic() - started
    with open(world / "declarations.csv", encoding="utf-8") as handle:
        declarations = sum(1 for _ in handle) - 1

    data = OUT / "data"
    shutil.rmtree(data, ignore_errors=True)
    settings = load(env={}, data_dir=data, batch_size=args.batch_size)
    store = open_store(settings)
    server_pid = store.info().details["pid"]

    server_before, rewrites_before, children_before = cpu_seconds(server_pid), reaped_cpu_seconds(server_pid), _children_cpu_s()
    t0 = time.monotonic()
    if args.bulk:
        full = bulk_ingest(store.bulk(), world, settings.runs_dir, batch_size=args.batch_size, progress=sys.stderr, workers=args.workers)
    else:
        full = ingest(store, world, settings.runs_dir, batch_size=args.batch_size, progress=sys.stderr, workers=args.workers)
    full_cpu_s = time.process_time()
    full_s = time.monotonic() - t0
    workers_cpu_s = _children_cpu_s() - children_before  # the pool's processes are joined by now
    store_cpu_s, rewrites_cpu_s = cpu_seconds(server_pid) - server_before, reaped_cpu_seconds(server_pid) - rewrites_before
    compared = {}
    if args.compare_merge:
        t2 = time.monotonic()
        merge_store = open_store(load(env={}, data_dir=data, graph="merge", batch_size=args.batch_size))
        merged = ingest(merge_store, world, data / "merge-runs", batch_size=args.batch_size, progress=sys.stderr)
        merge_s = time.monotonic() - t2
        digests = graph_digest(store), graph_digest(merge_store)
        merge_store.close()
        compared = {"merge_ingest_s": round(merge_s, 1), "merge_declarations_per_s": round(declarations / merge_s),
                    "merge_rows": merged.loaded, "digest": digests[0], "digest_equal": digests[0] == digests[1]}

    increment_dir = OUT / "increment"
    shutil.rmtree(increment_dir, ignore_errors=True)
    increment_rows = _increment(world, increment_dir, args.increment)
    server_before = cpu_seconds(server_pid)
    t1 = time.monotonic()
    inc = ingest(store, increment_dir, settings.runs_dir, batch_size=args.batch_size, progress=sys.stderr)
    inc_s = time.monotonic() - t1
    inc_store_cpu_s = cpu_seconds(server_pid) - server_before

    server_rss = status_mb(server_pid, "VmHWM:")  # before close stops the server
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store.close()
    result = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, Python {platform.python_version()}",
        "command": " ".join(["bench/ingest.py", *sys.argv[1:]]),
        "first_load": "bulk" if args.bulk else "merge",
        "enterprises": args.enterprises,
        "declarations": declarations,
        "rows": full.loaded,
        "rejected": full.rejected,
        "generate_s": round(generated_s, 1),
        "ingest_s": round(full_s, 1),
        "ingest_cpu_s": round(full_cpu_s, 1),  # this process, the validating workers not counted
        "workers_cpu_s": round(workers_cpu_s, 1),
        "store_cpu_s": round(store_cpu_s, 1),
        "store_rewrites_cpu_s": round(rewrites_cpu_s, 1),  # its forked children, a core taken from the load
        "declarations_per_s": round(declarations / full_s),
        "rows_per_s": round(full.loaded / full_s),
        "nodes_created": full.written.nodes_created,
        "relationships_created": full.written.relationships_created,
        "nodes_per_s": round(full.written.nodes_created / full_s),
        "relationships_per_s": round(full.written.relationships_created / full_s),
        "riskgraph_peak_rss_mb": round(own_rss),
        "store_peak_rss_mb": server_rss,
        "store_size_on_disk_mb": round(_du_mb(data / "falkordb")),
        "increment_declarations": increment_rows,
        "increment_s": round(inc_s, 1),
        "increment_declarations_per_s": round(increment_rows / inc_s),
        "increment_nodes_created": inc.written.nodes_created,
        "increment_store_cpu_s": round(inc_store_cpu_s, 1),
        **compared,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / f"ingest-{args.enterprises}{'-bulk' if args.bulk else ''}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":  # the guard lets the validating workers (spawned) import this file
    main()
