"""A canonical digest of the whole graph: equal graphs, equal digests.

Internal ids and wall-clock provenance (``first_seen``, ``last_seen``, a run's start and
finish) are left out; everything else, run numbers included, is in. Used to prove that
a load killed and run again gives exactly the graph an uninterrupted load gives.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from riskgraph.graph.store import Store, stream
from riskgraph.model import LABEL_BY_NAME

WALL_CLOCK = frozenset({"first_seen", "last_seen", "started_at", "finished_at", "seconds"})


def _canonical(props: dict[str, Any], ignore: frozenset[str]) -> str:
    kept = {k: v for k, v in props.items() if k not in ignore}
    return json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str)


def graph_digest(store: Store, *, ignore: frozenset[str] = WALL_CLOCK, skip_labels: frozenset[str] = frozenset()) -> str:
    """Return the SHA-256 of ``canonical_lines``: equal graphs, equal digests."""
    digest = hashlib.sha256()
    for line in canonical_lines(store, ignore=ignore, skip_labels=skip_labels):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def canonical_lines(store: Store, *, ignore: frozenset[str] = WALL_CLOCK, skip_labels: frozenset[str] = frozenset()) -> list[str]:
    """Return one sorted line per node and relationship, naming nodes by natural key.

    ``ignore`` names properties left out (default: wall-clock provenance); nodes with a
    label in ``skip_labels`` are left out with their relationships. Cost: one pass over
    every node and relationship; memory O(nodes + relationships).
    """
    identity: dict[int, str] = {}
    lines: list[str] = []
    for record in stream(store, "digest_nodes"):
        label = record["labels"][0]
        if label in skip_labels:
            continue
        key = LABEL_BY_NAME[label].key
        identity[record["id"]] = f"{label}:{record['props'].get(key)}"
        lines.append(f"N {identity[record['id']]} {_canonical(record['props'], ignore)}")
    for record in stream(store, "digest_relationships"):
        if record["source"] not in identity or record["target"] not in identity:
            continue
        source, target = identity[record["source"]], identity[record["target"]]
        lines.append(f"R {source} {record['type']} {target} {_canonical(record['props'], ignore)}")
    lines.sort()
    return lines
