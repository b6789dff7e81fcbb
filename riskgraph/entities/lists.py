"""The lists units work from, read from the current analysis: key targets (danh sách
đối tượng trọng điểm) and suspicious networks. The CLI and the API read them here."""

from __future__ import annotations

import json

from riskgraph.entities.projection import ID_RANGE
from riskgraph.entities.results import require_current
from riskgraph.graph import Store

PAGE = 10_000


def key_target_rows(store: Store, kind: str, *, skip: int = 0, limit: int = 20, min_score: float = 0.0,
                    province: str | None = None, band: str | None = None) -> list[dict]:
    """Return the stored score rows of entities of ``kind``, riskiest first, from rank
    ``skip``; with ``min_score``, ``province`` and ``band`` (low ... critical) as filters.
    Cost: one indexed read."""
    return store.query("key_targets", {"kind": kind, "min_score": min_score, "province": province, "band": band,
                                       "skip": skip, "limit": limit})


def key_target_count(store: Store, kind: str, *, min_score: float = 0.0, province: str | None = None,
                     band: str | None = None) -> int:
    """Return how many entities ``key_target_rows`` lists with the same filters."""
    return store.query("key_targets_count", {"kind": kind, "min_score": min_score, "province": province,
                                             "band": band})[0]["total"]


def network_rows(store: Store, *, skip: int = 0, limit: int = 10) -> tuple[list[dict], int]:
    """Return the suspicious networks of the current analysis from rank ``skip + 1``, and
    how many it found. Cost: two reads in one round trip."""
    rows, counted = store.reads([("suspicious_networks", {"skip": skip, "limit": limit}), ("networks_count", {})])
    return rows, counted[0]["total"]


def key_targets(store: Store, kind: str, top: int | None) -> list[dict]:
    """Return the ``top`` riskiest entities of ``kind``, riskiest first, with their name
    and first reason; with ``top`` None, every entity of the kind (entity, score, band)
    in key order. Raises QueryError if nothing was analysed yet."""
    require_current(store)
    if top is None:
        return every_score(store, kind)
    rows: list[dict] = []
    while len(rows) < top:
        limit = min(PAGE, top - len(rows))
        page = key_target_rows(store, kind, skip=len(rows), limit=limit)
        rows += page
        if len(page) < limit:
            break
    names = entity_names(store, [r["entity"] for r in rows])
    out = []
    for rank, r in enumerate(rows, start=1):
        reasons = json.loads(r["reasons"]) if r["reasons"] else []
        first = reasons[0] if reasons else None
        out.append({
            "rank": rank, "entity": r["entity"], "name": names.get(r["entity"], ""), "score": r["score"], "band": r["band"],
            "reason": f"{first['factor']} +{first['contribution']:.2f}: {first['detail']}" if first else "",
            "reasons": reasons, "as_of": r["as_of"],
        })
    return out


def every_score(store: Store, kind: str) -> list[dict]:
    """Return every entity of ``kind`` with its score (0 where none was stored), by key.
    Cost: one read per ID_RANGE internal ids."""
    top = store.query("analysis_max_id")[0]["max_id"] or 0
    rows = []
    for lo in range(0, top + 1, ID_RANGE):
        rows += store.query("key_targets_all", {"kind": kind, "lo": lo, "hi": lo + ID_RANGE})
    return rows


def networks(store: Store, top: int) -> list[dict]:
    """Return the ``top`` suspicious networks of the current analysis, each with
    ``member_names`` beside ``members``. Raises QueryError if nothing was analysed yet.
    Cost: two reads."""
    require_current(store)
    rows = network_rows(store, limit=top)[0]
    names = entity_names(store, [m for r in rows for m in r["members"]])
    return [{**r, "member_names": [names.get(m, "") for m in r["members"]]} for r in rows]


def entity_names(store: Store, entities: list[str]) -> dict[str, str]:
    """Return the display name of each ``kind:id`` entity ('' for agents, vehicles and
    the unknown). Cost: one indexed read."""
    return {r["entity"]: r["name"] or "" for r in store.query("entity_names", {"entities": entities})}
