"""The key-target file (hồ sơ đối tượng trọng điểm): everything known about one entity.

Cost: about fifteen indexed queries in four round trips; the trade summary is counted
in the store over at most ``TRADE_ROWS`` of the entity's declarations of the last
``TRADE_MONTHS`` months, newest first.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from riskgraph.api import risk, types
from riskgraph.graph import Store
from riskgraph.model import ENTITY_KIND_OF_LABEL

TRADE_MONTHS = 36
TRADE_ROWS = 20_000
TOP = 10  # rows of each trade breakdown
LIST_LIMIT = 200  # roles, violations, intel reports
HOLDERS_SHOWN = 20
NEIGHBOURS = 25
PARTS = {"FOR_TRADER": "trader", "FILED_BY_AGENT": "agent", "FILED_BY_DECLARANT": "declarant", "CARRIED_BY": "vehicle",
         "STORED_AT": "warehouse"}


def dossier(store: Store, kind: str, key: str, current: dict | None, today: date | None = None) -> types.Dossier | None:
    """Return the dossier of entity ``kind:key``, or None if the store does not hold it.

    Cost: four round trips to the store (identity; the file's eight or nine reads; the scores of
    neighbour candidates; identity and risk of the neighbours shown). The members of its
    suspicious network are read only if the request asks for them.
    """
    found, scored = risk.identities_and_risks(store, [(kind, key)])
    identity = found[f"{kind}:{key}"]
    if identity.node is None:
        return None
    node = identity.node
    own = scored.get(identity.entity, risk.Risk())
    since = ((today or date.today()) - timedelta(days=TRADE_MONTHS * 31)).isoformat()
    reads = [
        ("neighbours_direct", {"node": node, "limit": 200}),
        ("neighbours_trade", {"node": node, "limit": 200, "since": since, "declarations": 2000}),
        ("watchlist_entries", {"entities": [identity.entity]}),
        ("dossier_roles", {"node": node, "limit": LIST_LIMIT}),
        ("dossier_identifiers", {"node": node, "holders": HOLDERS_SHOWN}),
        ("dossier_trade", {"node": node, "since": since, "limit": TRADE_ROWS}),
        ("dossier_violations", {"node": node, "limit": LIST_LIMIT}),
        ("dossier_intel", {"node": node, "limit": LIST_LIMIT}),
    ]
    if own.network_rank:
        reads.append(("suspicious_networks", {"skip": own.network_rank - 1, "limit": 1}))
    direct, by_trade, listed, roles, identifiers, trade, violations, intel, *networks = store.reads(reads)
    candidates = _candidates(direct + by_trade)
    ranked = _ranked(store, candidates)
    shown = dict(zip(ranked, risk.entities(store, ranked, current)))
    return types.Dossier(
        entity=risk.entity(identity, own, current),
        watchlist=[types.WatchlistEntry(**r) for r in listed],
        roles=[_role(r) for r in roles],
        identifiers=[_identifier(r) for r in identifiers],
        trade=_trade(trade, since),
        violations=[_violation(r) for r in violations],
        intel=[_intel(r) for r in intel],
        community=own.community if own.community is not None and own.community >= 0 else None,
        suspicious_network=network(networks[0][0]) if networks and networks[0] else None,
        neighbours=[types.Neighbour(entity=shown[ref], links=sorted(candidates[ref][0]), weight=candidates[ref][1]) for ref in ranked],
    )


def watchlist(store: Store, entities: list[str]) -> list[types.WatchlistEntry]:
    """Return the watchlist entries, open and closed, of some "kind:id" entities."""
    return [types.WatchlistEntry(**r) for r in store.query("watchlist_entries", {"entities": entities})]


def network(row: dict) -> types.SuspiciousNetwork:
    """Return the API form of a stored suspicious network (members are read if asked for)."""
    return types.SuspiciousNetwork(rank=row["rank"], score=row["score"], size=row["size"], risky_members=row["risky_members"],
                                   risky_share=row["risky_share"], why=row["why"], glue=row["glue"], member_labels=tuple(row["members"]))


def refs_of(labels: list[str]) -> list[tuple[str, str]]:
    """Return (kind, id) of "kind:id" labels naming an entity; others (identifiers) are left out."""
    out = []
    for label in labels:
        kind, _, key = label.partition(":")
        if kind in risk.REF_LISTS and key:
            out.append((kind, key))
    return out


def _candidates(rows: list[dict]) -> dict[tuple[str, str], tuple[set[str], int]]:
    """Return the neighbour candidates of the direct and trade neighbour rows: their links and weight."""
    merged: dict[tuple[str, str], tuple[set[str], int]] = {}
    for r in rows:
        kind = ENTITY_KIND_OF_LABEL.get(r["label"])
        if kind is None or r["id"] is None:
            continue
        links, weight = merged.get((kind, r["id"]), (set(), 0))
        merged[(kind, r["id"])] = (links | set(r["links"]), weight + r["weight"])
    return merged


def _ranked(store: Store, candidates: dict[tuple[str, str], tuple[set[str], int]]) -> list[tuple[str, str]]:
    """Return the ``NEIGHBOURS`` candidates to show: riskiest first, then the most linked.
    Cost: one read of the candidates' scores (identities are read for the kept ones only)."""
    entities = [f"{k}:{i}" for k, i in candidates]
    scores = {r["entity"]: r["score"] for r in store.query("risk_levels", {"entities": entities})} if entities else {}
    return sorted(candidates, key=lambda ref: (-scores.get(f"{ref[0]}:{ref[1]}", 0.0), -candidates[ref][1], ref))[:NEIGHBOURS]


def _role(r: dict) -> types.RoleHeld:
    return types.RoleHeld(relationship=r["type"], role=r["role"], since=r["since"], until=r["until"], share_pct=r["share_pct"],
                          other_kind=types.EntityKind(ENTITY_KIND_OF_LABEL[r["label"]]), other_id=r["id"], other_name=r["name"])


def _identifier(r: dict) -> types.SharedIdentifier:
    holders = [types.Holder(kind=types.EntityKind(ENTITY_KIND_OF_LABEL[label]), id=key, name=name)
               for label, key, name in r["others"] if label in ENTITY_KIND_OF_LABEL]
    kind = {"Phone": "phone", "Email": "email", "Address": "address", "BankAccount": "bank_account"}.get(r["label"], r["label"])
    return types.SharedIdentifier(kind=kind, value=r["value"], text=r["text"], holder_count=r["holders"], holders=holders)


def _trade(rows: list[dict], since: str) -> types.TradeSummary:
    """Return the trade summary of the ``dossier_trade`` rows (breakdown, key, count, value)."""
    tallies: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
    for r in rows:
        key = PARTS.get(r["key"], r["key"]) if r["breakdown"] == "parts" else r["key"]
        tallies[r["breakdown"]].append((key, int(r["count"]), float(r["value"] or 0.0)))
    _, declarations, value = (tallies["all"] or [("", 0, 0.0)])[0]

    def top(name: str, limit: int | None = TOP, by_key: bool = False) -> list[types.Count]:
        items = sorted(tallies[name], key=(lambda x: x[0]) if by_key else (lambda x: (-x[1], x[0])))
        return [types.Count(key=k, count=c, value_usd=round(v, 2)) for k, c, v in items[:limit]]
    return types.TradeSummary(
        since=since, declarations=declarations, value_usd=round(value, 2), truncated=declarations >= TRADE_ROWS,
        parts=top("parts"), by_month=top("by_month", None, by_key=True), channels=top("channels"),
        inspections=top("inspections"), hs_codes=top("hs_codes"), partners=top("partners"), gates=top("gates"),
    )


def _violation(r: dict) -> types.ViolationRecord:
    return types.ViolationRecord(**{k: r[k] for k in ("violation_id", "kind", "decided_on", "severity", "penalty_vnd", "back_tax_vnd",
                                                      "detected_by", "declarations")})


def _intel(r: dict) -> types.IntelReport:
    return types.IntelReport(report_id=r["report_id"], received_on=r["received_on"], grade=f"{r['reliability']}{r['credibility']}",
                             reliability=r["reliability"], credibility=r["credibility"], source_kind=r["source_kind"], summary=r["summary"])
