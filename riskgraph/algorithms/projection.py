"""Projection: what the store knew at the as-of date, read into memory as arrays.

``project(store, as_of)`` reads, in streaming pages, the entities (enterprises, persons,
agents, vehicles), the identifiers they share, the roles held, the declarations of the
history window and who filed, carried, stored and sold for them, and the violations and
intel known at ``as_of``. Nothing dated after ``as_of`` is read: roles that start later,
declarations registered later, violations decided later and intel received later do not
exist for the analysis. An enterprise's status is used only if it was loaded on or
before ``as_of`` (its feed carries no date of change).

Nodes are numbered in one index space: the scored entities first (``kind`` 0-3), then
the identifiers that link them (phones, e-mails, addresses, bank accounts, partners).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from riskgraph.graph.store import Store

ENTITY_KINDS = ("enterprise", "person", "agent", "vehicle")
CONNECTOR_KINDS = ("phone", "email", "address", "bank_account", "partner")
KINDS = ENTITY_KINDS + CONNECTOR_KINDS
LABEL_KIND = {"Enterprise": "enterprise", "Person": "person", "Agent": "agent", "Vehicle": "vehicle"}
# Declaration links as the store names them, and the link type they become.
DECLARATION_LINK_TYPES = {
    "FILED_BY_AGENT": "agent",
    "FILED_BY_DECLARANT": "declarant",
    "CARRIED_BY": "vehicle",
    "STORED_AT": "warehouse",
    "WITH_PARTNER": "partner",
}
PAGE = 20_000


@dataclass
class Projection:
    """The graph as known at ``as_of``.

    ``kind[i]`` indexes KINDS; ``key[i]`` is the natural key. ``links`` holds typed,
    undirected links as parallel lists (source, target, link type, weight, last date).
    Declaration rows are column arrays over the history window.
    """

    as_of: date
    since: date
    key: list[str] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    index: dict[tuple[int, str], int] = field(default_factory=dict)
    name: dict[int, str] = field(default_factory=dict)
    enterprise: dict[int, dict] = field(default_factory=dict)  # status, registered_on, by_reference, province
    by_reference: set[int] = field(default_factory=set)
    links: dict[str, list] = field(default_factory=lambda: {k: [] for k in ("source", "target", "type", "weight", "last")})
    party_stats: dict[int, list[int]] = field(default_factory=dict)  # node -> [declarations, inspected, discrepancies]
    declarations: dict[str, np.ndarray] = field(default_factory=dict)
    violations: list[dict] = field(default_factory=list)
    intel: list[dict] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.key)

    def node(self, kind: str, key: str, *, create: bool = True) -> int:
        """Return the index of node (kind, key), adding it if ``create``; -1 if absent."""
        k = KINDS.index(kind)
        i = self.index.get((k, key))
        if i is None:
            if not create:
                return -1
            i = self.index[(k, key)] = len(self.key)
            self.key.append(key)
            self.kind.append(k)
        return i

    def link(self, a: int, b: int, link_type: str, weight: float, last: str | None = None) -> None:
        self.links["source"].append(a)
        self.links["target"].append(b)
        self.links["type"].append(link_type)
        self.links["weight"].append(weight)
        self.links["last"].append(last)

    def kinds(self) -> np.ndarray:
        return np.asarray(self.kind, dtype=np.int8)


def project(store: Store, as_of: date, *, history_months: int = 36) -> Projection:
    """Return the projection of ``store`` as known at ``as_of``.

    Reads every entity once, in pages of PAGE, and the declarations registered in the
    ``history_months`` before ``as_of`` a month at a time. Cost: one pass over the
    entities and the window's declarations; memory about 200 bytes per node and 40 per
    declaration of the window.
    """
    since = _months_before(as_of, history_months)
    p = Projection(as_of, since)
    day = as_of.isoformat()
    _enterprises(store, p, day)
    _persons(store, p, day)
    _agents(store, p)
    _vehicles(store, p)
    _declarations(store, p)
    for v in store.query("analysis_violations", {"until": day}):
        v["subject"] = p.node(LABEL_KIND[v["label"]], v["subject"])
        p.violations.append(v)
    for r in store.query("analysis_intel", {"until": day}):
        r["subject"] = p.node(LABEL_KIND[r["label"]], r["subject"])
        p.intel.append(r)
    return p


def _pages(store: Store, name: str):
    after = ""
    while True:
        rows = store.query(name, {"after": after, "limit": PAGE})
        yield from rows
        if len(rows) < PAGE:
            return
        after = rows[-1]["id"]


def _identifiers(p: Projection, i: int, row: dict) -> None:
    for kind, column in (("phone", "phones"), ("email", "emails"), ("address", "addresses"), ("bank_account", "accounts")):
        for value in row.get(column) or ():
            p.link(i, p.node(kind, value), kind, 1.0)


def _enterprises(store: Store, p: Projection, day: str) -> None:
    for row in _pages(store, "analysis_enterprises"):
        registered = row["registered_on"]
        if registered and registered > day:
            continue  # not yet registered at the as-of date
        i = p.node("enterprise", row["id"])
        known = row["last_seen"] is not None and row["last_seen"][:10] <= day
        p.enterprise[i] = {
            "status": row["status"] if known else None,
            "registered_on": registered,
            "province": row["province"],
        }
        if row["by_reference"]:
            p.by_reference.add(i)
        if row["name"]:
            p.name[i] = row["name"]
        _identifiers(p, i, row)


def _persons(store: Store, p: Projection, day: str) -> None:
    for row in _pages(store, "analysis_persons"):
        roles = [r for r in row["roles"] if not r[2] or r[2] <= day]
        i = p.node("person", row["id"])
        if row["by_reference"]:
            p.by_reference.add(i)
        if row["name"]:
            p.name[i] = row["name"]
        _identifiers(p, i, row)
        for tax_code, role, since, until, share in roles:
            firm = p.node("enterprise", tax_code, create=False)
            if firm < 0:
                continue  # a firm registered after the as-of date
            ended = until is not None and until <= day
            p.link(i, firm, f"role:{role}", 1.0, until if ended else None)


def _agents(store: Store, p: Projection) -> None:
    for row in _pages(store, "analysis_agents"):
        i = p.node("agent", row["id"])
        if row["by_reference"]:
            p.by_reference.add(i)
        for firm in row["firms"]:
            j = p.node("enterprise", firm, create=False)
            if j >= 0:
                p.link(i, j, "agent_firm", 1.0)


def _vehicles(store: Store, p: Projection) -> None:
    for row in _pages(store, "analysis_vehicles"):
        i = p.node("vehicle", row["id"])
        if row["by_reference"]:
            p.by_reference.add(i)
        for firm in row["owners"] + row["operators"]:
            j = p.node("enterprise", firm, create=False)
            if j >= 0:
                p.link(i, j, "vehicle_owner", 1.0)


def _declarations(store: Store, p: Projection) -> None:
    """Read the window's declarations a month at a time, and the links they make."""
    columns: dict[str, list] = defaultdict(list)
    hs_ids: dict[str, int] = {}
    origin_ids: dict[str, int] = {}
    start, end = p.since, p.as_of + timedelta(days=1)
    month = start
    while month < end:
        nxt = min(_months_before(month, -1), end)
        window = {"from": month.isoformat(), "to": nxt.isoformat()}
        _, rows = store.rows("analysis_declarations", window)
        low, high = window["from"], window["to"]
        for trader, registered_on, hs, origin, value, mass, result in rows:
            if not low <= registered_on < high:
                continue  # see analysis_declarations.cypher
            columns["trader"].append(p.node("enterprise", trader))
            columns["day"].append((date.fromisoformat(registered_on) - p.as_of).days)
            columns["hs"].append(hs_ids.setdefault((hs or "")[:6], len(hs_ids)))
            columns["origin"].append(origin_ids.setdefault(origin or "", len(origin_ids)))
            columns["value"].append(value or 0.0)
            columns["log_unit_value"].append(math.log(value / mass) if value and mass else math.nan)
            columns["inspected"].append(result in ("compliant", "discrepancy"))
            columns["discrepancy"].append(result == "discrepancy")
        month = nxt
    window = {"from": start.isoformat(), "to": end.isoformat()}
    _, links = store.rows("analysis_declaration_links", window)
    for trader, link, party, n, inspected, discrepancies, last in links:
        kind = {"agent": "agent", "declarant": "person", "vehicle": "vehicle", "warehouse": "enterprise", "partner": "partner"}[DECLARATION_LINK_TYPES[link]]
        i, j = p.node("enterprise", trader), p.node(kind, party)
        p.link(i, j, DECLARATION_LINK_TYPES[link], float(n), last)
        if kind != "partner" and link != "STORED_AT":
            stats = p.party_stats.setdefault(j, [0, 0, 0])
            stats[0] += n
            stats[1] += int(inspected)
            stats[2] += int(discrepancies)
    p.declarations = {k: np.asarray(v) for k, v in columns.items()}
    p.declarations["hs_codes"] = np.asarray(sorted(hs_ids, key=hs_ids.get), dtype=object)
    p.declarations["origins"] = np.asarray(sorted(origin_ids, key=origin_ids.get), dtype=object)


def _months_before(d: date, months: int) -> date:
    """Return the first day of the month ``months`` months before ``d``'s month (after, if negative)."""
    total = d.year * 12 + d.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)
