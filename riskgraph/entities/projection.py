"""Projection: what the store knew at the as-of date, read into memory as arrays.

``project(store, as_of)`` reads the entities (enterprises, persons, agents, vehicles),
the identifiers they share, the roles held, the declarations of the history window and
who filed, carried, stored and sold for them, and the violations and intel known at
``as_of``. Nothing dated after ``as_of`` is used: roles that start later, declarations
registered later, violations decided later and intel received later do not exist for
the analysis. An enterprise's status is used only if it was loaded on or before
``as_of`` (its feed carries no date of change).

Nodes are read by internal id ranges and joined by internal id, so that millions of
links cross the wire as pairs of integers; the keys of the identifiers that link
entities (phones, e-mails, addresses, bank accounts, partners) are read only for the
few that reasons and networks name (``resolve_keys``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from riskgraph.dates import date_of, month_bounds, months_before
from riskgraph.graph import Store, id_ranges
from riskgraph.model import KIND_OF_LABEL, NODE_KINDS

IDENTIFIER_LINKS = {"HAS_PHONE": "phone", "HAS_EMAIL": "email", "LOCATED_AT": "address", "HAS_ACCOUNT": "bank_account"}
# The link a declaration makes to a party, by the party's kind.
PARTY_LINK_BY_KIND = np.array(["warehouse", "declarant", "agent", "vehicle", None, None, None, None, "partner"], dtype=object)
STATIC = 1  # ``last`` of a link with no date: a register entry, always current
ID_RANGE = 500_000  # internal ids per page
LINK_MONTHS = 12  # months of declarations whose parties become links


@dataclass
class Projection:
    """The graph as known at ``as_of``.

    Node ``i`` has ``kind[i]`` (index into NODE_KINDS), ``key[i]`` (natural key; None for an
    identifier whose key was not read) and ``store_id[i]`` (the store's internal id).
    ``links`` holds typed, undirected links as arrays: source, target, type (a link
    type name per LINKS of propagation.py), count (declarations behind it, 1 for
    register links) and last (days from ``as_of`` to the link's last date, STATIC if none).
    ``declarations`` holds the window's declarations as column arrays, ``day`` counted
    from ``as_of`` (0 = that day, negative before).
    """

    as_of: date
    since: date
    key: list[str | None] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    store_id: list[int] = field(default_factory=list)
    enterprise: dict[int, dict] = field(default_factory=dict)  # status, registered_on
    by_reference: set[int] = field(default_factory=set)
    links: dict[str, np.ndarray] = field(default_factory=dict)
    # declarations, inspected, discrepancies of agents, declarants, vehicles
    party_stats: dict[str, np.ndarray] = field(default_factory=dict)
    declarations: dict[str, np.ndarray] = field(default_factory=dict)
    violations: list[dict] = field(default_factory=list)
    intel: list[dict] = field(default_factory=list)
    _index: np.ndarray = field(default_factory=lambda: np.full(1, -1, dtype=np.int64), repr=False)
    _by_key: dict[tuple[int, str], int] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return len(self.kind)

    def kinds(self) -> np.ndarray:
        return np.asarray(self.kind, dtype=np.int8)

    def find(self, kind: str, key: str) -> int:
        """Return the node of (kind, natural key), or -1."""
        if not self._by_key:
            self._by_key = {(k, x): i for i, (k, x) in enumerate(zip(self.kind, self.key)) if x is not None}
        return self._by_key.get((NODE_KINDS.index(kind), key), -1)

    def known(self, ids) -> np.ndarray:
        """Return the node of each internal id already in the projection, -1 for the others
        (an enterprise registered after the as-of date, say). Cost: O(len(ids))."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.full(len(ids), -1, dtype=np.int64)
        inside = ids < len(self._index)
        out[inside] = self._index[ids[inside]]
        return out

    def nodes(self, ids: np.ndarray, kinds: np.ndarray | int, keys: list | None = None) -> np.ndarray:
        """Return the node of every internal id in ``ids``, adding the unseen ones with
        ``kinds`` (and ``keys``). Cost: O(len(ids)) with numpy."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros(0, dtype=np.int64)
        top = int(ids.max())
        if top >= len(self._index):
            grown = np.full(max(top + 1, 2 * len(self._index)), -1, dtype=np.int64)
            grown[: len(self._index)] = self._index
            self._index = grown
        found = self._index[ids]
        new = found < 0
        if new.any():
            fresh, first = np.unique(ids[new], return_index=True)
            start = len(self.kind)
            self._index[fresh] = np.arange(start, start + len(fresh))
            kinds_new = np.broadcast_to(np.asarray(kinds), ids.shape)[new][first]
            self.kind.extend(kinds_new.tolist())
            self.store_id.extend(fresh.tolist())
            if keys is None:
                self.key.extend([None] * len(fresh))
            else:
                self.key.extend(np.asarray(keys, dtype=object)[new][first].tolist())
            self._by_key = {}
            found = self._index[ids]
        return found


def project(store: Store, as_of: date, *, history_months: int = 36, link_months: int = LINK_MONTHS,
            reads: dict | None = None) -> Projection:
    """Return the projection of ``store`` as known at ``as_of``.

    Reads the entities and their links in pages of ID_RANGE internal ids, the
    declarations registered in the ``history_months`` before ``as_of`` a month at a
    time, and who filed, carried, stored and sold for those of the last ``link_months``
    (links older than a year count little: see propagation.LINKS). Cost: one pass over entities, links and the window's declarations; memory
    about 100 bytes per node, 50 per link and 60 per declaration of the window.

    ``reads``, a dict kept across calls, remembers each page and month read: several
    projections of one unchanging store at nearby dates (the cuts of a training window)
    then read each page and month once. Only the month that ends on ``as_of`` itself
    differs between them when the dates fall mid-month.
    """
    p = Projection(as_of, months_before(as_of, history_months))
    day = as_of.isoformat()
    ranges = id_ranges(store, ID_RANGE)
    months = month_bounds(p.since, as_of)
    link_since = months_before(as_of, link_months).isoformat()
    calls = [(name, r) for name in ("analysis_enterprises", "analysis_parties") for r in ranges]
    calls += [(name, r) for r in ranges for name in ("analysis_identifiers", "analysis_roles")]
    calls += [("analysis_declarations", m) for m in months]
    calls += [("analysis_declaration_links", m) for m in months if m["from"] >= link_since]
    results = _reads(store, calls, reads)
    for _ in ranges:
        _enterprises(p, next(results), day)
    for _ in ranges:
        _parties(p, next(results))
    links: list[tuple[np.ndarray, ...]] = []
    for _ in ranges:
        links.append(_identifiers(p, next(results)))
        links.append(_roles(p, next(results), day))
    links.append(_declarations(p, results, months, sum(m["from"] >= link_since for m in months)))
    source, target, types, count, last = (np.concatenate([part[k] for part in links]) if links else np.zeros(0) for k in range(5))
    p.links = {"source": source.astype(np.int64), "target": target.astype(np.int64), "type": types, "count": count.astype(float),
               "last": last.astype(np.int64)}
    for name, query in (("violations", "analysis_violations"), ("intel", "analysis_intel")):
        records = store.query(query, {"until": day})
        if records:
            subjects = p.nodes([r["node"] for r in records], [NODE_KINDS.index(KIND_OF_LABEL[r["label"]]) for r in records],
                               [r["subject"] for r in records])
            for r, s in zip(records, subjects.tolist()):
                r["subject"] = s
        getattr(p, name).extend(records)
    # Subjects of violations and reports may be nodes no link reached: count them in.
    p.party_stats = {k: np.pad(p.party_stats.get(k, np.zeros(0)), (0, p.size - len(p.party_stats.get(k, ()))))
                     for k in ("declarations", "inspected", "discrepancies")}
    return p


def forget(reads: dict, as_of: date, *, history_months: int = 36, link_months: int = LINK_MONTHS) -> None:
    """Drop from ``reads`` (see ``project``) the months that no projection as of
    ``as_of`` or later reads: the cuts of a long training window would otherwise hold
    every month of every cut at once (gigabytes at millions of declarations)."""
    since = {"analysis_declarations": months_before(as_of, history_months).isoformat(),
             "analysis_declaration_links": months_before(as_of, link_months).isoformat()}
    for key in [k for k in reads if k[0] in since and dict(k[1])["from"] < since[k[0]]]:
        del reads[key]


def resolve_keys(store: Store, p: Projection, nodes) -> None:
    """Read the natural keys of ``nodes`` that the projection read by id only."""
    missing = sorted({int(i) for i in nodes if p.key[i] is None})
    for start in range(0, len(missing), 5000):
        batch = missing[start : start + 5000]
        by_id = {p.store_id[i]: i for i in batch}
        for r in store.query("analysis_node_keys", {"ids": list(by_id)}):
            p.key[by_id[r["id"]]] = r["key"]


def _reads(store: Store, calls: list[tuple[str, dict]], reads: dict | None = None) -> Iterator[list[tuple]]:
    """Yield the records of each read query of ``calls``, in order, one at a time, from
    ``reads`` when it holds them (the records are never changed by their readers).

    Sequential on purpose: two concurrent reads of this projection crashed the embedded
    FalkorDB server (segfault, FalkorDB on Redis 8.2.3, November 2026)."""
    for name, params in calls:
        if reads is None:
            yield store.rows(name, params)[1]
            continue
        key = (name, tuple(sorted(params.items())))
        if key not in reads:
            reads[key] = store.rows(name, params)[1]
        yield reads[key]


def _enterprises(p: Projection, rows: list[tuple], day: str) -> None:
    rows = [r for r in rows if not r[3] or r[3] <= day]  # registered after the as-of date: not yet there
    if not rows:
        return
    nodes = p.nodes([r[0] for r in rows], NODE_KINDS.index("enterprise"), [r[1] for r in rows])
    for i, (_, _, status, registered_on, by_reference, last_seen) in zip(nodes.tolist(), rows):
        known = last_seen is not None and last_seen[:10] <= day
        p.enterprise[i] = {"status": status if known else None, "registered_on": registered_on}
        if by_reference:
            p.by_reference.add(i)


def _parties(p: Projection, rows: list[tuple]) -> None:
    if not rows:
        return
    nodes = p.nodes([r[0] for r in rows], [NODE_KINDS.index(KIND_OF_LABEL[r[1]]) for r in rows], [r[2] for r in rows])
    p.by_reference.update(i for i, r in zip(nodes.tolist(), rows) if r[3])


def _identifiers(p: Projection, rows: list[tuple]) -> tuple[np.ndarray, ...]:
    source = p.known([r[0] for r in rows])
    keep = [k for k, s in enumerate(source.tolist()) if s >= 0]
    types = np.array([IDENTIFIER_LINKS[rows[k][2]] for k in keep], dtype=object)
    kinds = np.array([NODE_KINDS.index(t) for t in types], dtype=np.int64)
    target = p.nodes([rows[k][1] for k in keep], kinds)
    return source[keep], target, types, np.ones(len(keep)), np.full(len(keep), STATIC)


def _roles(p: Projection, rows: list[tuple], day: str) -> tuple[np.ndarray, ...]:
    rows = [r for r in rows if not r[3] or r[3] <= day]  # a role that starts after the as-of date
    source, target = p.known([r[0] for r in rows]), p.known([r[1] for r in rows])
    keep = [k for k in range(len(rows)) if source[k] >= 0 and target[k] >= 0]
    types = np.array([r if r in ("agent_firm", "vehicle_owner") else f"role:{r}" for r in (rows[k][2] for k in keep)], dtype=object)
    last = np.array([_days(rows[k][4], p.as_of) if rows[k][4] and rows[k][4] <= day else STATIC for k in keep], dtype=np.int64)
    return source[keep], target[keep], types, np.ones(len(keep)), last


def _declarations(p: Projection, results: Iterator[list[tuple]], months: list[dict], link_windows: int) -> tuple[np.ndarray, ...]:
    """Take the declarations of ``months`` from ``results``, then the parties of the last
    ``link_windows`` of them; return the trader-party links they make, one per pair, and
    set ``p.declarations`` and ``p.party_stats``."""
    decl: dict[str, list] = {k: [] for k in ("id", "trader", "day", "hs", "origin", "value", "log_unit_value", "inspected", "discrepancy")}
    hs_ids: dict[str, int] = {}
    origin_ids: dict[str, int] = {}
    for month in months:
        low, high = month["from"], month["until"]
        for did, trader, registered_on, hs, origin, value, mass, result in next(results):
            if not low <= registered_on <= high:
                continue  # a store that returns rows outside the range must not leak them
            decl["id"].append(did)
            decl["trader"].append(trader)
            decl["day"].append((date.fromisoformat(registered_on) - p.as_of).days)
            decl["hs"].append(hs_ids.setdefault((hs or "")[:6], len(hs_ids)))
            decl["origin"].append(origin_ids.setdefault(origin or "", len(origin_ids)))
            decl["value"].append(value or 0.0)
            decl["log_unit_value"].append(math.log(value / mass) if value and mass else math.nan)
            decl["inspected"].append(result in ("compliant", "discrepancy"))
            decl["discrepancy"].append(result == "discrepancy")
    party_rows = [row for _ in range(link_windows) for row in next(results)]
    d = {k: np.asarray(v) for k, v in decl.items()}
    empty = tuple(np.zeros(0) for _ in range(5))
    n_decl = len(d["id"])
    d["trader"] = p.nodes(d["trader"], NODE_KINDS.index("enterprise")) if n_decl else np.zeros(0, dtype=np.int64)
    d["hs_codes"] = np.asarray(sorted(hs_ids, key=hs_ids.get), dtype=object)
    d["origins"] = np.asarray(sorted(origin_ids, key=origin_ids.get), dtype=object)
    p.declarations = d
    if not n_decl or not party_rows:
        return empty
    # Join each link to its declaration (dropping links of declarations outside the window).
    order = np.argsort(d["id"])
    ids = d["id"][order]
    did = np.fromiter((r[0] for r in party_rows), dtype=np.int64, count=len(party_rows))
    pos = np.searchsorted(ids, did)
    pos = np.minimum(pos, len(ids) - 1)
    inside = ids[pos] == did
    row = order[pos[inside]]
    party = p.known(np.fromiter((r[1] for r in party_rows), dtype=np.int64, count=len(party_rows))[inside])
    known = party >= 0  # not a party registered after the as-of date
    row, party = row[known], party[known]
    kinds = PARTY_LINK_BY_KIND[p.kinds()[party]]
    trader = d["trader"][row]
    n = p.size
    p.party_stats = {k: np.zeros(n) for k in ("declarations", "inspected", "discrepancies")}
    counted = (kinds != "partner") & (kinds != "warehouse")
    np.add.at(p.party_stats["declarations"], party[counted], 1)
    np.add.at(p.party_stats["inspected"], party[counted], d["inspected"][row][counted])
    np.add.at(p.party_stats["discrepancies"], party[counted], d["discrepancy"][row][counted])
    # One link per (trader, party): how many declarations, and the last one's day.
    pair = trader * n + party
    unique, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    count = np.bincount(inverse).astype(float)
    last = np.full(len(unique), np.iinfo(np.int64).min)
    np.maximum.at(last, inverse, d["day"][row])
    return trader[first], party[first], kinds[first], count, last


def _days(text: str, as_of: date) -> int:
    return (date_of(text) - as_of).days
