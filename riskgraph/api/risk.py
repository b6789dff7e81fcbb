"""Entities and their risk as the current analysis left them: the reads every part of
the API shares, and the provisional update that new evidence makes without re-analysis.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from riskgraph.api import types
from riskgraph.entities import band
from riskgraph.entities import current as current_analysis
from riskgraph.graph import Store
from riskgraph.model import ENTITY_KINDS

REF_LISTS = {"enterprise": "enterprises", "person": "persons", "agent": "agents", "vehicle": "vehicles"}


@dataclass(frozen=True)
class Identity:
    """What the registers say about one entity; ``node`` is None if the store has none."""

    kind: str
    id: str
    node: int | None = None
    name: str | None = None
    props: dict = field(default_factory=dict)

    @property
    def entity(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Risk:
    """An entity's score in the current analysis (0 and low when none is stored)."""

    score: float = 0.0
    band: str = "low"
    own: float = 0.0
    network: float = 0.0
    reasons: tuple[dict, ...] = ()
    community: int | None = None
    network_rank: int | None = None
    provisional: bool = False


def identities(store: Store, refs: Iterable[tuple[str, str]]) -> dict[str, Identity]:
    """Return the identity of each (kind, id) ref, keyed "kind:id"; unknown ones have no node.

    Cost: one indexed lookup per ref, in one query.
    """
    wanted = list(dict.fromkeys(refs))
    return _identities(wanted, store.query(*_identity_read(wanted))) if wanted else {}


def risks(store: Store, entities: Iterable[str]) -> dict[str, Risk]:
    """Return the stored risk of each "kind:id" in the current analysis (absent: not stored).

    Cost: one indexed lookup per entity, in one query.
    """
    wanted = list(dict.fromkeys(entities))
    return _risks(store.query(*_risk_read(wanted))) if wanted else {}


def _identity_read(refs: list[tuple[str, str]]) -> tuple[str, dict]:
    lists: dict[str, list[str]] = {name: [] for name in REF_LISTS.values()}
    for kind, key in refs:
        lists[REF_LISTS[kind]].append(key)
    return "entity_nodes", lists


def _identities(refs: list[tuple[str, str]], rows: list[dict]) -> dict[str, Identity]:
    found = {f"{r['kind']}:{r['id']}": r for r in rows}
    out = {}
    for kind, key in refs:
        row = found.get(f"{kind}:{key}")
        out[f"{kind}:{key}"] = Identity(kind, key, row["node"], row["name"], row["props"]) if row else Identity(kind, key)
    return out


def _risk_read(entities: list[str]) -> tuple[str, dict]:
    return "risk_details", {"entities": entities}


def _risks(rows: list[dict]) -> dict[str, Risk]:
    return {row["entity"]: stored(row) for row in rows}


def stored(row: dict) -> Risk:
    """Return the Risk of a stored score row (risk_details, key_targets)."""
    return Risk(row["score"], row["band"], row["own"] or 0.0, row["network"] or 0.0, tuple(json.loads(row["reasons"] or "[]")),
                row["community"], row["network_rank"] or None, bool(row["provisional"]))


def raise_risk(store: Store, kind: str, key: str, strength: float, reason: dict) -> float | None:
    """Fold new evidence of ``strength`` (0..1, a factor's weight times its value) into an
    entity's current score as a noisy-OR, put ``reason`` first, and mark the score
    provisional; return the new score, or None when there is no analysis to update.

    The next ``riskgraph analyze`` recomputes everything from the evidence in the graph.
    """
    found = current_analysis(store) if kind in ENTITY_KINDS else None
    if found is None:
        return None
    entity = f"{kind}:{key}"
    old = risks(store, [entity]).get(entity, Risk())
    score = round(1 - (1 - old.score) * (1 - min(max(strength, 0.0), 0.999)), 4)
    reason = {**reason, "contribution": round(score - old.score, 4)}
    reasons = json.dumps([reason, *old.reasons][:6], ensure_ascii=False)
    store.query("risk_update", {"entity": entity, "kind": kind, "score": score, "band": band(score, floors(found, kind)),
                                "reasons": reasons}, write=True)
    return score


def floors(analysis: dict, kind: str) -> dict[str, float]:
    """Return the band floors of ``kind`` in the stored ``analysis`` (none: every score is low)."""
    return json.loads(analysis.get("thresholds") or "{}").get("bands", {}).get(kind, {})


def saturate(value: float) -> float:
    """Return 1 - exp(-value): how analysis factors turn summed evidence into [0, 1]."""
    return 1 - math.exp(-value)


def entities(store: Store, refs: Iterable[tuple[str, str]], current: dict | None) -> list[types.Entity]:
    """Return the API entity (identity and risk) of each (kind, id) ref, in order.

    Cost: two queries whatever the number of refs, in one round trip.
    """
    refs = list(refs)
    found, scored = identities_and_risks(store, refs)
    return [entity(found[f"{k}:{i}"], scored.get(f"{k}:{i}", Risk()), current) for k, i in refs]


def identities_and_risks(store: Store, refs: Iterable[tuple[str, str]]) -> tuple[dict[str, Identity], dict[str, Risk]]:
    """Return ``identities(refs)`` and ``risks`` of the same refs, read in one round trip."""
    wanted = list(dict.fromkeys(refs))
    if not wanted:
        return {}, {}
    rows, scored = store.reads([_identity_read(wanted), _risk_read([f"{k}:{i}" for k, i in wanted])])
    return _identities(wanted, rows), _risks(scored)


def entity(identity: Identity, risk: Risk, current: dict | None) -> types.Entity:
    """Return the API entity of one identity and its risk."""
    p = identity.props
    activities = p.get("activities") or []
    return types.Entity(
        kind=types.EntityKind(identity.kind), id=identity.id, known=identity.node is not None, name=identity.name,
        status=p.get("status"), province=p.get("province"), registered_on=p.get("registered_on"),
        activities=list(activities) if isinstance(activities, list) else [activities],
        nationality=p.get("nationality"), vehicle_kind=p.get("kind") if identity.kind == "vehicle" else None,
        country=p.get("country"), by_reference=bool(p.get("by_reference")), risk=api_risk(risk, current),
    )


def api_risk(risk: Risk, current: dict | None) -> types.Risk:
    """Return the API form of a stored risk: factor reasons and path reasons apart."""
    reasons, paths = [], []
    for r in risk.reasons:
        reasons.append(types.Reason(factor=r["factor"], contribution=r["contribution"], detail=r.get("detail", "")))
        if r.get("nodes"):
            paths.append(types.RiskPath(nodes=r["nodes"], relationships=r["relationships"], contribution=r["contribution"]))
    return types.Risk(
        score=risk.score, band=types.Band(risk.band), as_of=date.fromisoformat(current["as_of"]) if current else None,
        model_version=current["model_version"] if current else None, own=risk.own, network=risk.network,
        provisional=risk.provisional, reasons=reasons, paths=paths,
    )
