"""Batched, idempotent writes of validated records, one named query per feed kind.

Every batch is one query, so it lands whole or not at all. Declarations, the bulk of any
feed, take a faster path: one read finds which are new, unchanged or changed; new ones
are CREATEd, changed ones are unlinked and rewritten, unchanged ones only touched.
Links are made last and set ``row_hash``: a load killed half-way finds no hash on the
next run and makes the links again, so re-running converges to the same graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from riskgraph.graph.store import Store, WriteSummary
from riskgraph.ingest.columnar import ColumnarCopy, row_of_record
from riskgraph.ingest.validate import DECLARATION_PROPERTIES, Record

_UPSERTS = {
    "enterprises": "upsert_enterprises",
    "persons": "upsert_persons",
    "roles": "upsert_roles",
    "agents": "upsert_agents",
    "vehicles": "upsert_vehicles",
    "violations": "upsert_violations",
    "intel": "upsert_intel",
}


@dataclass(frozen=True)
class Batch:
    """A batch of one kind's records, with the rows of its write queries as the store sends them."""

    kind: str
    records: Sequence[Record]
    rows: list[Any]  # declarations: key and properties (declarations_create); other kinds: their params
    links: list[Any] = field(default_factory=list)  # declarations: their links (declarations_link)


def prepare(store: Store, kind: str, records: Sequence[Record]) -> Batch:
    """Return ``records`` with their rows written out by the store (``Store.prepared``).
    Called by the thread that reads the feed, so that the writing thread only sends: the
    store then works on one batch while the next is written out. Cost: O(size of records)."""
    if kind == "declarations":  # each query gets only the fields it reads: writing them out is the client's main cost
        return Batch(kind, records, store.prepared([_properties(r) for r in records]), store.prepared([_links(r) for r in records]))
    return Batch(kind, records, store.prepared([r.params for r in records]))


def write_batch(store: Store, batch: Batch, run: dict[str, Any], copy: ColumnarCopy | None = None) -> WriteSummary:
    """Write one batch (``prepare``); ``run`` holds ``$run`` and ``$now``. The new and
    changed declarations are added to ``copy`` once they are in the graph.

    Returns what the store changed. Cost: one query (declarations: two to four).
    """
    if batch.kind == "declarations":
        return _declarations(store, batch, run, copy)
    return store.write(_UPSERTS[batch.kind], batch.rows, run)


def _declarations(store: Store, batch: Batch, run: dict[str, Any], copy: ColumnarCopy | None) -> WriteSummary:
    records = batch.records
    stored = {row["key"]: row["row_hash"] for row in store.query("declarations_existing", {"keys": [r.key for r in records]})}
    new, changed, same = [], [], []  # positions in the batch; same: keys
    for i, r in enumerate(records):
        if r.key not in stored:
            new.append(i)
        elif stored[r.key] != r.digest:
            changed.append(i)
        else:
            same.append(r.key)
    total = WriteSummary()
    if new:
        total += store.write("declarations_create", [batch.rows[i] for i in new], run)
    if changed:
        total += store.write("declarations_unlink", [_properties(records[i], complete=True) for i in changed], run)
    if new or changed:
        total += store.write("declarations_link", [batch.links[i] for i in new + changed], run)
    if same:
        store.query("declarations_touch", {**run, "keys": same}, write=True)
    if copy is not None and (new or changed):
        copy.add(row_of_record(records[i].key, records[i].params) for i in new + changed)
    return WriteSummary(len(records), total.nodes_created, total.relationships_created, total.relationships_deleted, total.properties_set)


def _properties(r: Record, complete: bool = False) -> dict[str, Any]:
    """Return key and properties; ``complete`` adds null for each absent one, to remove it."""
    props = r.params["props"]
    if complete:
        props = {name: props.get(name) for name in DECLARATION_PROPERTIES}
    return {"key": r.key, "props": props}


def _links(r: Record) -> dict[str, Any]:
    links = {k: v for k, v in r.params.items() if k != "props"}
    links["row_hash"] = r.digest
    return links
