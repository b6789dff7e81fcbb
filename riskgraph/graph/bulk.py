"""What a bulk load sends a store: nodes and relationships with ids already assigned.

A bulk load builds a new graph in one pass instead of matching every row against the
graph (MERGE). The ingest layer works out which nodes and relationships the MERGE path
would leave, numbers the nodes 0, 1, 2, ... in the order it sends them, and hands them
over in ``BulkChunk``s; a ``BulkWriter`` (FalkorDB's ``GRAPH.BULK``, or the CSV files of
``neo4j-admin database import``) writes them and makes the graph appear whole at ``commit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from riskgraph.graph.store import WriteSummary

Properties = Mapping[str, Any]  # values: str, int, float, bool, or lists of them; None means absent


@dataclass(frozen=True)
class BulkChunk:
    """Nodes by label, in id order (the first label's first node has id ``first_id``, the
    labels follow one another in ``nodes`` order), and relationships by type as
    ``(source id, target id, properties)``; a relationship's ends are in this chunk or an earlier one."""

    first_id: int
    nodes: dict[str, list[Properties]] = field(default_factory=dict)
    relationships: dict[str, list[tuple[int, int, Properties]]] = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        return sum(len(rows) for rows in self.nodes.values())

    @property
    def relationship_count(self) -> int:
        return sum(len(rows) for rows in self.relationships.values())


class BulkWriter(Protocol):
    """Where a bulk load goes. Nothing is visible to readers of the graph before ``commit``."""

    def send(self, chunk: BulkChunk) -> WriteSummary:
        """Write one chunk (chunks come in id order); return what it created."""
        ...

    def commit(self) -> str:
        """Make the loaded graph the store's graph, with the model's indexes and constraints;
        return what the operator is to do next ("" when nothing)."""
        ...

    def abort(self) -> None:
        """Drop what was sent: the store is left as it was before the load."""
        ...
