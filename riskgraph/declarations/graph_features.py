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
from typing import TextIO

import numpy as np

from riskgraph.dates import day_start
from riskgraph.declarations import features as F
from riskgraph.entities import NETWORK_GAIN, PRIORS, TOP_NETWORKS, analyze, forget, scores
from riskgraph.graph import Store
from riskgraph.model import PARTY_KINDS


def describe(d: F.Declarations, store: Store, cuts: list[date], *, history_months: int = 36,
             progress: TextIO | None = None) -> dict[str, np.ndarray]:
    """Return the graph scores of each declaration's parties (``graph_<party>``, the
    largest of several): from an in-process analysis as of the latest cut before the
    declaration's day (an analysis as of a day knows that whole day: its declarations'
    results and its decisions), the first cut for those before every cut. The scores are
    the parties' prior scores (the documented weights, not the learned entity ranker): a
    ranker fitted on later labels would leak them into earlier cuts, and one fitted per
    cut would differ from the one serving. Cost: one analysis per cut; ``progress`` gets
    a line per cut."""
    out = {name: np.zeros(len(d)) for name in F.GRAPH}
    edges = np.array([day_start(c + timedelta(days=1)) for c in cuts])
    which = np.maximum(np.searchsorted(edges, d.time, side="right") - 1, 0)
    reads: dict = {}  # the cuts share every page and month they have in common
    for k, cut in enumerate(cuts):
        rows = np.flatnonzero(which == k)
        if not len(rows):
            continue
        t = time.perf_counter()
        forget(reads, cut, history_months=history_months)
        a = analyze(store, cut, history_months=history_months, reads=reads, paths=False, ranker=PRIORS)
        say(progress, f"graph scores as of {cut} for {len(rows):,} declarations ({k + 1} of {len(cuts)}): "
                      f"{time.perf_counter() - t:.1f} s")
        for p in F.GRAPH_PARTIES:
            ids = d.party_ids[p]
            row = np.fromiter((i for i in rows.tolist() for _ in ids[i]), dtype=np.int64)
            pid = np.fromiter((x for i in rows.tolist() for x in ids[i]), dtype=np.int64, count=len(row))
            node = a.projection.known(pid)
            known = node >= 0
            np.maximum.at(out[f"graph_{p}"], row[known], a.prior[node[known]])
            if p == "trader":
                ranked = np.zeros(len(a.score))
                for n in a.networks:
                    ranked[list(n.members)] = suspicious(n.rank)
                out["graph_trader_network"][row[known]] = 1 - np.exp(-NETWORK_GAIN * a.network[node[known]])
                out["graph_trader_suspicious"][row[known]] = ranked[node[known]]
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
