"""The key-target file (hồ sơ đối tượng trọng điểm): everything known about one entity.

Cost: about ten indexed queries; the trade summary reads at most ``TRADE_ROWS`` of the
entity's declarations of the last ``TRADE_MONTHS`` months, newest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from riskgraph.api import risk, types
from riskgraph.graph.store import Store

TRADE_MONTHS = 36
TRADE_ROWS = 20_000
TOP = 10  # rows of each trade breakdown
LIST_LIMIT = 200  # roles, violations, intel reports
HOLDERS_SHOWN = 20
NEIGHBOURS = 25
KIND_OF_LABEL = {"Enterprise": "enterprise", "Person": "person", "Agent": "agent", "Vehicle": "vehicle"}
PARTS = {"FOR_TRADER": "trader", "FILED_BY_AGENT": "agent", "FILED_BY_DECLARANT": "declarant", "CARRIED_BY": "vehicle", "STORED_AT": "warehouse"}


def dossier(store: Store, kind: str, key: str, current: dict | None, today: date | None = None) -> types.Dossier | None:
    """Return the dossier of entity ``kind:key``, or None if the store does not hold it."""
    identity = risk.identities(store, [(kind, key)])[f"{kind}:{key}"]
    if identity.node is None:
        return None
    node = identity.node
    own = risk.risks(store, [identity.entity]).get(identity.entity, risk.Risk())
    since = ((today or date.today()) - timedelta(days=TRADE_MONTHS * 31)).isoformat()

    neighbours = _neighbours(store, node, since, current)
    network = _network(store, own.network_rank, current) if own.network_rank else None
    return types.Dossier(
        entity=risk.entity(identity, own, current),
        watchlist=watchlist(store, [identity.entity]),
        roles=[_role(r) for r in store.query("dossier_roles", {"node": node, "limit": LIST_LIMIT})],
        identifiers=[_identifier(r) for r in store.query("dossier_identifiers", {"node": node, "holders": HOLDERS_SHOWN})],
        trade=_trade(store.query("dossier_declarations", {"node": node, "since": since, "limit": TRADE_ROWS}), since),
        violations=[_violation(r) for r in store.query("dossier_violations", {"node": node, "limit": LIST_LIMIT})],
        intel=[_intel(r) for r in store.query("dossier_intel", {"node": node, "limit": LIST_LIMIT})],
        community=own.community if own.community is not None and own.community >= 0 else None,
        suspicious_network=network,
        neighbours=neighbours,
    )


def watchlist(store: Store, entities: list[str]) -> list[types.WatchlistEntry]:
    """Return the watchlist entries, open and closed, of some "kind:id" entities."""
    return [types.WatchlistEntry(**r) for r in store.query("watchlist_entries", {"entities": entities})]


def network(row: dict, members: list[types.Entity]) -> types.SuspiciousNetwork:
    """Return the API form of a stored suspicious network."""
    return types.SuspiciousNetwork(rank=row["rank"], score=row["score"], size=row["size"], risky_members=row["risky_members"],
                                   risky_share=row["risky_share"], why=row["why"], glue=row["glue"], members=members)


def refs_of(labels: list[str]) -> list[tuple[str, str]]:
    """Return (kind, id) of "kind:id" labels naming an entity; others (identifiers) are left out."""
    out = []
    for label in labels:
        kind, _, key = label.partition(":")
        if kind in risk.REF_LISTS and key:
            out.append((kind, key))
    return out


def _network(store: Store, rank: int, current: dict | None) -> types.SuspiciousNetwork | None:
    rows = store.query("suspicious_networks", {"skip": rank - 1, "limit": 1})
    if not rows:
        return None
    return network(rows[0], risk.entities(store, refs_of(rows[0]["members"]), current))


def _neighbours(store: Store, node: int, since: str, current: dict | None) -> list[types.Neighbour]:
    merged: dict[tuple[str, str], tuple[set[str], int]] = {}
    for name, params in (("neighbours_direct", {}), ("neighbours_trade", {"since": since, "declarations": 2000})):
        for r in store.query(name, {"node": node, "limit": 200, **params}):
            kind = KIND_OF_LABEL.get(r["label"])
            if kind is None or r["id"] is None:
                continue
            links, weight = merged.get((kind, r["id"]), (set(), 0))
            merged[(kind, r["id"])] = (links | set(r["links"]), weight + r["weight"])
    # Rank every candidate by its stored score (one cheap read), describe only the kept ones.
    entities = [f"{k}:{i}" for k, i in merged]
    scores = {r["entity"]: r["score"] for r in store.query("risk_levels", {"entities": entities})} if entities else {}
    ranked = sorted(merged, key=lambda ref: (-scores.get(f"{ref[0]}:{ref[1]}", 0.0), -merged[ref][1], ref))[:NEIGHBOURS]
    found = risk.entities(store, ranked, current)
    return [types.Neighbour(entity=e, links=sorted(merged[ref][0]), weight=merged[ref][1]) for ref, e in zip(ranked, found)]


def _role(r: dict) -> types.RoleHeld:
    return types.RoleHeld(relationship=r["type"], role=r["role"], since=r["since"], until=r["until"], share_pct=r["share_pct"],
                          other_kind=types.EntityKind(KIND_OF_LABEL[r["label"]]), other_id=r["id"], other_name=r["name"])


def _identifier(r: dict) -> types.SharedIdentifier:
    holders = [types.Holder(kind=types.EntityKind(KIND_OF_LABEL[label]), id=key, name=name)
               for label, key, name in r["others"] if label in KIND_OF_LABEL]
    kind = {"Phone": "phone", "Email": "email", "Address": "address", "BankAccount": "bank_account"}.get(r["label"], r["label"])
    return types.SharedIdentifier(kind=kind, value=r["value"], text=r["text"], holder_count=r["holders"], holders=holders)


def _trade(rows: list[dict], since: str) -> types.TradeSummary:
    tallies: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
    for r in rows:
        value = float(r["value"] or 0.0)
        keys = {
            "parts": [PARTS.get(r["part"], r["part"])],
            "by_month": [(r["day"] or "")[:7]],
            "channels": [r["channel"] or "unknown"],
            "inspections": [r["inspection"] or "none"],
            "hs_codes": sorted({h[:6] for h in r["hs_codes"] or []}) or ["unknown"],
            "partners": [f"{r['partner']} ({r['partner_country']})" if r["partner"] else "unknown"],
            "gates": [r["gate"] or r["office"] or "unknown"],
        }
        for name, values in keys.items():
            for k in values:
                tally = tallies[name][k]
                tally[0] += 1
                tally[1] += value

    def top(name: str, limit: int | None = TOP, by_key: bool = False) -> list[types.Count]:
        items = sorted(tallies[name].items(), key=(lambda x: x[0]) if by_key else (lambda x: (-x[1][0], x[0])))
        return [types.Count(key=k, count=int(c), value_usd=round(v, 2)) for k, (c, v) in items[:limit]]
    return types.TradeSummary(
        since=since, declarations=len(rows), value_usd=round(sum(float(r["value"] or 0) for r in rows), 2),
        truncated=len(rows) >= TRADE_ROWS, parts=top("parts"), by_month=top("by_month", None, by_key=True),
        channels=top("channels"), inspections=top("inspections"), hs_codes=top("hs_codes"), partners=top("partners"), gates=top("gates"),
    )


def _violation(r: dict) -> types.ViolationRecord:
    return types.ViolationRecord(**{k: r[k] for k in ("violation_id", "kind", "decided_on", "severity", "penalty_vnd", "back_tax_vnd", "detected_by", "declarations")})


def _intel(r: dict) -> types.IntelReport:
    return types.IntelReport(report_id=r["report_id"], received_on=r["received_on"], grade=f"{r['reliability']}{r['credibility']}",
                             reliability=r["reliability"], credibility=r["credibility"], source_kind=r["source_kind"], summary=r["summary"])
