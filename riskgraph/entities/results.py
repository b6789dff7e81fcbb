"""Write an analysis back to the graph, and read the current one.

An analysis is written beside the current one (``RiskScore`` and ``SuspiciousNetwork``
nodes tagged with its id), then made current by one statement, then the replaced one
is deleted in batches. Readers ask for the current analysis's nodes, so they see the
old result or the new one, never half of one. A crash mid-write leaves an unfinished
analysis, deleted by the first run ABANDONED_AFTER later (sooner, it may be another run
still writing; two runs at once each finish whole, and the later one is current).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import numpy as np

from riskgraph.dates import now
from riskgraph.entities.analysis import Analysis
from riskgraph.entities.factors import FACTORS
from riskgraph.entities.features import NETWORK_GAIN
from riskgraph.errors import QueryError
from riskgraph.graph import Store
from riskgraph.graph.digest import digest_of, lines
from riskgraph.model import NODE_KINDS

DROP_BATCH = 20_000
# Scores below this, in the low band, are not stored (most entities, on a real graph): readers
# take a missing score as 0, band low. Storing them cost four fifths of the write on 100,000
# enterprises.
STORED_FROM = 0.01
ABANDONED_AFTER = timedelta(hours=6)  # an unfinished analysis this old was interrupted


def save(store: Store, analysis: Analysis) -> str:
    """Write ``analysis`` and make it current; return its id. Cost: one node per entity."""
    drop_stale(store)
    analysis_id = f"{analysis.as_of.isoformat()}-{uuid.uuid4().hex[:8]}"
    store.query("analysis_start", {"analysis_id": analysis_id, "as_of": analysis.as_of.isoformat(),
                                   "model_version": analysis.model_version, "now": now()}, write=True)
    ids = {"analysis_id": analysis_id}
    store.write("analysis_write_scores", list(_score_rows(analysis)), ids)
    store.write("analysis_write_networks", [network_row(analysis, n) for n in analysis.networks], ids)
    norms = analysis.norms
    store.query("analysis_finish", {
        **ids, "now": now(), "entities": int(len(analysis.entities())), "networks": len(analysis.networks), "stored_from": STORED_FROM,
        "norms": json.dumps({"base_rate": norms.base_rate, "heading_rate": norms.heading_rate,
                             "unit_value": {f"{h}|{o}": v for (h, o), v in norms.unit_value.items()}}),
        "thresholds": json.dumps({**analysis.thresholds, "ranker": analysis.ranker}),
        "factors": json.dumps([asdict(f) for f in FACTORS]),
    }, write=True)
    drop_stale(store)
    return analysis_id


def drop_stale(store: Store) -> int:
    """Delete the analyses that were replaced or abandoned, in batches; return the nodes deleted."""
    deleted = 0
    abandoned_before = (datetime.now(timezone.utc) - ABANDONED_AFTER).astimezone().isoformat(timespec="seconds")
    for row in store.query("analysis_stale", {"abandoned_before": abandoned_before}):
        while True:
            n = store.query("analysis_drop", {"analysis_id": row["analysis_id"], "limit": DROP_BATCH}, write=True)[0]["deleted"]
            deleted += n
            if n < DROP_BATCH:
                break
    return deleted


def scores(store: Store, entities: list[str], batch: int = 2000, *, reasons: bool = False) -> dict[str, dict]:
    """Return the stored score rows (score, band, network part and rank, and with
    ``reasons`` the reasons too) of ``entities`` ("kind:id") in the current analysis, by
    entity; unscored ones are absent. Cost: one read per ``batch`` entities; the reasons,
    with their paths, are most of the bytes."""
    out = {}
    for start in range(0, len(entities), batch):
        for row in store.query("risk_details" if reasons else "risk_scores", {"entities": entities[start : start + batch]}):
            out[row["entity"]] = row
    return out


def current(store: Store) -> dict | None:
    """Return the current analysis (id, as_of, model version, norms...), or None."""
    rows = store.query("analysis_current")
    return rows[0] if rows else None


def unfinished(store: Store) -> list[str]:
    """Return the ids of analyses started and not finished (being written, or left by a
    crash): readers never see them. Cost: one scan of the Analysis nodes."""
    return [r["analysis_id"] for r in store.query("analysis_unfinished")]


def stored_scores(store: Store, analysis_id: str) -> int:
    """Return how many scores analysis ``analysis_id`` stored. Cost: one scan of the RiskScore nodes."""
    return store.query("analysis_score_count", {"analysis_id": analysis_id})[0]["scores"]


def digest(store: Store) -> tuple[str, int]:
    """Return the graph's canonical digest (``graph.digest``) with the current analysis's id
    written ``current``, and how many nodes of unfinished analyses it left out.

    Every analysis gets a fresh id, so two runs of the same analysis differ only by it;
    unfinished ones (a crash mid-write) are invisible to readers until ``drop_stale``
    deletes them. Cost: as ``graph_digest``.
    """
    now = current(store)
    hidden = unfinished(store)
    left_out = 0

    def kept() -> Iterator[str]:
        nonlocal left_out
        for line in lines(store):
            if any(a in line for a in hidden):
                left_out += line.startswith("N ")
            else:
                yield line.replace(now["analysis_id"], "current") if now else line

    return digest_of(kept()), left_out


def require_current(store: Store) -> dict:
    """Return the current analysis; raise QueryError if the store holds none yet."""
    found = current(store)
    if found is None:
        raise QueryError("no analysis in the store yet: run `riskgraph analyze` first")
    return found


def reasons_json(analysis: Analysis, i: int) -> str:
    """Return node ``i``'s reasons as stored: factor, contribution, detail, and for a
    network reason its path (nodes and relationships)."""
    out = []
    for r in analysis.reasons(i)[:6]:
        reason = {"factor": r.factor, "contribution": round(r.contribution, 4), "detail": r.detail}
        if r.nodes:
            reason.update(nodes=list(r.nodes), relationships=list(r.links))
        out.append(reason)
    return json.dumps(out, ensure_ascii=False)


def network_row(analysis: Analysis, n) -> dict:
    p = analysis.projection
    members = [analysis.label(m) for m in n.members]
    glue = [analysis.label(g) for g, _ in n.glue]
    kinds = {}
    for m in n.members:
        kinds[NODE_KINDS[p.kind[m]]] = kinds.get(NODE_KINDS[p.kind[m]], 0) + 1
    why = (f"{n.score:.1f} times the risk of as many entities on average; {n.risky_members} of {len(members)} members "
           "with decided violations or graded intelligence; "
           + (f"held together by {', '.join(glue)}" if glue else "no single node holds it together"))
    return {"rank": n.rank, "score": round(n.score, 4), "size": len(members), "risky_members": n.risky_members,
            "risky_share": round(n.risky_members / len(members), 4), "members": members,
            "member_scores": [round(float(analysis.score[m]), 4) for m in n.members], "glue": glue, "why": why,
            "community": n.community}


def stored_columns(analysis: Analysis) -> dict[str, np.ndarray]:
    """Return the columns ``save`` stores, rounded as stored, a row per stored entity (``node``
    its index): those scoring at least STORED_FROM, or banded above low. Cost: O(entities)."""
    entities = analysis.entities()
    score = np.round(analysis.score[entities], 6)  # learned scores are small probabilities: keep their order
    prior = np.round(analysis.prior[entities], 6)
    bands = analysis.band[entities]
    keep = (score >= STORED_FROM) | (prior >= STORED_FROM) | (bands != "low")
    entities = entities[keep]
    return {"node": entities, "score": score[keep], "prior": prior[keep], "band": bands[keep],
            "own": np.round(analysis.own[entities], 4),
            "network": np.round(1 - np.exp(-NETWORK_GAIN * analysis.network[entities]), 4),
            "community": analysis.community[entities], "component": analysis.component[entities]}


def network_ranks(analysis: Analysis) -> np.ndarray:
    """Return the rank of each node's suspicious network (the best, if several), 0 for none."""
    rank = np.zeros(analysis.projection.size, dtype=np.int32)
    for n in reversed(analysis.networks):
        rank[list(n.members)] = n.rank
    return rank


def _score_rows(analysis: Analysis):
    p = analysis.projection
    c = stored_columns(analysis)
    rank = network_ranks(analysis)
    for k, i in enumerate(c["node"].tolist()):
        band = str(c["band"][k])
        yield {
            "entity": analysis.label(i), "kind": NODE_KINDS[p.kind[i]], "score": float(c["score"][k]), "band": band,
            "own": float(c["own"][k]), "network": float(c["network"][k]), "prior": float(c["prior"][k]),
            "reasons": reasons_json(analysis, i) if band != "low" else "[]",
            "community": int(c["community"][k]), "component": int(c["component"][k]), "network_rank": int(rank[i]),
        }
