"""Digest benchmark: ``riskgraph store digest`` on an existing data directory.

    PYTHONPATH=. .venv/bin/python bench/digest.py DATA_DIR [--graph riskgraph] [--repeat 2]

Opens the store (starting its embedded server if none runs: its start-up is timed
apart), computes the canonical digest ``--repeat`` times and prints, and writes
``bench/out/digest.json``: nodes and relationships, seconds per digest, their records/s,
peak RSS of this process and the digest itself (both passes must agree). Reads only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from datetime import date
from pathlib import Path

from riskgraph.graph import open_store
from riskgraph.graph.digest import graph_digest
from riskgraph.settings import load

OUT = Path(__file__).parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--graph", default="riskgraph")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    t = time.monotonic()
    store = open_store(load(env={}, data_dir=args.data_dir, graph=args.graph))
    opened = time.monotonic() - t
    try:
        nodes = sum(r["count"] for r in store.query("count_nodes"))
        relationships = sum(r["count"] for r in store.query("count_relationships"))
        runs, digests = [], set()
        for _ in range(args.repeat):
            t = time.monotonic()
            digests.add(graph_digest(store))
            runs.append(round(time.monotonic() - t, 2))
    finally:
        store.close()
    out = {"date": date.today().isoformat(), "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
           "data_dir": str(args.data_dir), "nodes": nodes, "relationships": relationships, "open_seconds": round(opened, 2),
           "digest_seconds": runs, "records_per_second": round((nodes + relationships) / min(runs)),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "digest": sorted(digests),
           "stable": len(digests) == 1}
    OUT.mkdir(exist_ok=True)
    (OUT / "digest.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
