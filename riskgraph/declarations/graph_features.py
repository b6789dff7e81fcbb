"""Graph features of a declaration: the risk scores of its parties.

In training, a declaration is described with the scores of an in-process analysis as
of a cut date before it (``describe``), so that a violation decided on the declaration
cannot raise its own trader's score; at clearance, with the scores the current analysis
stored (``stored_scores``). Both give the same features: the largest score among the
parties of each kind, the network part of the trader's score, and the rank of its
suspicious network.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import numpy as np

from riskgraph.dates import day_start
from riskgraph.declarations import features as F
from riskgraph.entities import TOP_NETWORKS, scores
from riskgraph.entities.snapshots import cut
from riskgraph.graph import Store
from riskgraph.model import PARTY_KINDS


def describe(d: F.Declarations, store: Store, cuts: list[date], *, history_months: int = 36,
             snapshots: Path | None = None, progress: TextIO | None = None) -> dict[str, np.ndarray]:
    """Return the graph scores of each declaration's parties (``graph_<party>``, the
    largest of several): from an in-process analysis as of the latest cut before the
    declaration's day (an analysis as of a day knows that whole day: its declarations'
    results and its decisions), the first cut for those before every cut. The scores are
    the parties' prior scores (the documented weights, not the learned entity ranker): a
    ranker fitted on later labels would leak them into earlier cuts, and one fitted per
    cut would differ from the one serving. Parties are found in each cut's scores by
    kind and key. With ``snapshots`` (a directory), each cut's scores are read from the
    snapshot kept there, or computed once and kept (``entities.snapshots.cut``).

    Cost: one analysis per cut not yet kept, one file read per kept one; ``progress``
    gets a line per cut."""
    out = {name: np.zeros(len(d)) for name in F.GRAPH}
    edges = np.array([day_start(c + timedelta(days=1)) for c in cuts])
    which = np.maximum(np.searchsorted(edges, d.time, side="right") - 1, 0)
    reads: dict = {}  # the cuts share every page and month they have in common
    owners = {p: d.parties[p].owners() for p in F.GRAPH_PARTIES}
    for k, as_of in enumerate(cuts):
        rows = np.flatnonzero(which == k)
        if not len(rows):
            continue
        t = time.perf_counter()
        scores, computed = cut(store, as_of, history_months=history_months, directory=snapshots, reads=reads)
        say(progress, f"graph scores as of {as_of} for {len(rows):,} declarations ({k + 1} of {len(cuts)}): "
                      f"{'analysed' if computed else 'read from its snapshot'} in {time.perf_counter() - t:.1f} s")
        at = scores.index()
        for p in F.GRAPH_PARTIES:
            mine = np.flatnonzero(which[owners[p]] == k)  # the keys of this cut's declarations
            row, kind = owners[p][mine], PARTY_KINDS[p]
            entity = np.fromiter((at.get(f"{kind}:{x}", -1) for x in d.parties[p].flat[mine].tolist()), dtype=np.int64, count=len(row))
            known = entity >= 0
            row, entity = row[known], entity[known]
            np.maximum.at(out[f"graph_{p}"], row, scores.prior[entity])
            if p == "trader":
                out["graph_trader_network"][row] = scores.network[entity]
                out["graph_trader_suspicious"][row] = [suspicious(r) for r in scores.network_rank[entity].tolist()]
    return out


def suspicious(rank: int) -> float:
    """Return the feature value of membership of the suspicious network ranked ``rank``
    (1 is the riskiest; 0 for none)."""
    return 0.0 if rank <= 0 else 1 - (rank - 1) / TOP_NETWORKS


def party_keys(d: F.Declarations, rows: list[int] | None = None) -> list[str]:
    """Return the "kind:id" of the scored parties of ``d`` (of ``rows`` only, if given)."""
    rows = range(len(d)) if rows is None else rows
    return sorted({f"{PARTY_KINDS[p]}:{k}" for p in F.GRAPH_PARTIES for i in rows for k in d.parties[p][i] if k})


def stored_scores(store: Store, d: F.Declarations) -> dict[str, np.ndarray]:
    """Return the graph scores of the parties of ``d`` from the current analysis (the
    features ``describe`` gives in training). Cost: one read per 2,000 parties."""
    rows = scores(store, party_keys(d))
    out = {}
    for p in F.GRAPH_PARTIES:
        kind = PARTY_KINDS[p]
        out[f"graph_{p}"] = np.array([max((_prior(rows[f"{kind}:{k}"]) for k in ks if f"{kind}:{k}" in rows), default=0.0)
                                      for ks in d.parties[p]], dtype=float)
    traders = [rows.get(f"enterprise:{ks[0]}") if ks else None for ks in d.parties["trader"]]
    out["graph_trader_network"] = np.array([r["network"] or 0.0 if r else 0.0 for r in traders], dtype=float)
    out["graph_trader_suspicious"] = np.array([suspicious(r["network_rank"] or 0) if r else 0.0 for r in traders], dtype=float)
    return out


def _prior(row: dict) -> float:
    """The prior score of a stored row (the score itself in analyses from before graph-2.0)."""
    return row["prior"] if row.get("prior") is not None else row["score"]


def say(progress: TextIO | None, line: str) -> None:
    """Write one progress line of training to ``progress`` (nothing if None)."""
    if progress is not None:
        print(f"train: {line}", file=progress, flush=True)
