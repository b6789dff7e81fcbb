"""The ``Store`` protocol: what everything above ``graph/`` may ask of a graph store."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from riskgraph.errors import StoreTimeout


@dataclass(frozen=True)
class WriteSummary:
    """What a batched write changed, added up over its batches."""

    rows: int = 0
    nodes_created: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0

    def __add__(self, other: WriteSummary) -> WriteSummary:
        return WriteSummary(*(a + b for a, b in zip(_values(self), _values(other))))


def _values(s: WriteSummary) -> tuple[int, ...]:
    return (s.rows, s.nodes_created, s.relationships_created, s.relationships_deleted, s.properties_set)


@dataclass(frozen=True)
class StoreInfo:
    """Health and whereabouts of a store, for ``riskgraph store info`` and /healthz."""

    backend: str
    location: str  # socket path, URL or URI: never a password
    graph: str
    healthy: bool
    version: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class Store(Protocol):
    """A graph store that runs the named queries of ``riskgraph/cypher``.

    Queries are named, never passed as text: the store loads ``NAME.cypher`` (or its
    dialect variant) and sends it with ``params``.
    """

    dialect: str

    def query(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        """Run query ``name``; return its records as dicts. Raises QueryError, StoreError."""
        ...

    def rows(self, name: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run read query ``name``; return its column names and records as tuples (for bulk reads)."""
        ...

    def reads(self, queries: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[dict[str, Any]]]:
        """Run several read queries ``(name, params)`` in one round trip; return the records
        of each, in order. Raises QueryError, StoreError."""
        ...

    def write(self, name: str, rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any] | None = None) -> WriteSummary:
        """Run write query ``name`` once per batch of ``rows`` (bound as ``$rows``).

        Each batch is one transaction: it lands whole or not at all. ``rows`` may be
        mappings or what ``prepared`` made of them.
        """
        ...

    def prepared(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Return ``rows`` in the form this store sends them, which ``write`` takes as well:
        so that the thread reading a feed does that work while the writing one waits on the store."""
        ...

    def ensure_schema(self) -> None:
        """Create every index and uniqueness constraint of the model; idempotent."""
        ...

    def info(self) -> StoreInfo:
        ...

    def limited(self, seconds: float) -> AbstractContextManager[None]:
        """Within the block, the store itself stops every read of this handle and thread once
        ``seconds`` from entry have passed (raising StoreTimeout), so a request given up on
        frees the store; no query, read or write, is started when no time is left. Writes
        are atomic and Neo4j ends them at the limit too; FalkorDB lets a started write run
        to its end. Nested limits keep the shorter."""
        ...

    def revive(self) -> bool:
        """Return whether the store answers, after starting it again if it is the embedded
        server and it is gone (killed, crashed). Other handles reconnect on their next query."""
        ...

    def clone(self) -> Store:
        """Return another handle on the same graph with a connection of its own, for work
        that must not queue behind this handle's; close it when done."""
        ...

    def close(self) -> None:
        ...


class Deadline:
    """The time limit of a store handle's queries, per thread: what ``Store.limited`` sets
    and each query asks for. ``ceiling`` (seconds, 0 for none) bounds every query."""

    def __init__(self, ceiling: float = 0.0):
        self.ceiling = ceiling
        self._local = threading.local()

    @contextlib.contextmanager
    def limited(self, seconds: float) -> Iterator[None]:
        outer = getattr(self._local, "at", None)
        at = time.monotonic() + seconds
        self._local.at = at if outer is None else min(outer, at)
        try:
            yield
        finally:
            self._local.at = outer

    def left(self, what: str) -> float | None:
        """Return the seconds the next query ``what`` may run (None: no limit). Raises
        StoreTimeout when the time is up already: the query must not start."""
        limit = self.ceiling or None
        at = getattr(self._local, "at", None)
        if at is not None:
            left = at - time.monotonic()
            if left <= 0:
                raise StoreTimeout(f"query {what} was not started: the time limit was reached before it")
            limit = left if limit is None else min(limit, left)
        return limit


def batches(rows: Sequence[Mapping[str, Any]], size: int) -> Iterator[Sequence[Mapping[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def id_ranges(store: Store, size: int) -> list[dict[str, int]]:
    """Return ``{lo, hi}`` ranges of ``size`` internal node ids covering the whole graph
    (none before its first write), for queries that page by ``id(n) >= $lo AND id(n) < $hi``:
    FalkorDB seeks by id range, so each page costs its own size. Cost: one read."""
    found = store.query("analysis_max_id")
    top = found[0]["max_id"] if found else None
    return [] if top is None else [{"lo": lo, "hi": lo + size} for lo in range(0, top + 1, size)]
