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

import numpy as np

from riskgraph.graph.store import WriteSummary

Properties = Mapping[str, Any]  # values: str, int, float, bool, or lists of them; None means absent


@dataclass(frozen=True)
class NodeColumns:
    """Nodes of one label as columns, for loads that read their rows by column:
    ``columns`` maps a property to an Arrow array (text, float64, or lists of text; null:
    the node lacks it), all of one length; every node also has the ``shared`` properties."""

    label: str
    columns: Mapping[str, Any]
    shared: Properties

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def rows(self) -> list[dict[str, Any]]:
        """Return the nodes as property mappings, in order. Cost: one Python object a value."""
        names = list(self.columns)
        return [{**{n: v for n, v in zip(names, values) if v is not None}, **self.shared}
                for values in zip(*(column.to_pylist() for column in self.columns.values()))]


@dataclass(frozen=True)
class RelationshipColumns:
    """Relationships of one type as arrays of source and target ids, all with the same ``props``."""

    kind: str
    sources: np.ndarray
    targets: np.ndarray
    props: Properties

    def __len__(self) -> int:
        return len(self.sources)

    def rows(self) -> list[tuple[int, int, Properties]]:
        """Return the relationships as ``(source id, target id, properties)``, in order."""
        return [(s, t, self.props) for s, t in zip(self.sources.tolist(), self.targets.tolist())]


@dataclass(frozen=True)
class BulkChunk:
    """Nodes by label, in id order (the first label's first node has id ``first_id``, the
    labels follow one another in ``nodes`` order, then the groups of ``node_columns``), and
    relationships by type as ``(source id, target id, properties)``, then the groups of
    ``relationship_columns``; a relationship's ends are in this chunk or an earlier one."""

    first_id: int
    nodes: dict[str, list[Properties]] = field(default_factory=dict)
    relationships: dict[str, list[tuple[int, int, Properties]]] = field(default_factory=dict)
    node_columns: list[NodeColumns] = field(default_factory=list)
    relationship_columns: list[RelationshipColumns] = field(default_factory=list)

    @property
    def node_count(self) -> int:
        return sum(len(rows) for rows in self.nodes.values()) + sum(len(group) for group in self.node_columns)

    @property
    def relationship_count(self) -> int:
        return (sum(len(rows) for rows in self.relationships.values())
                + sum(len(group) for group in self.relationship_columns))


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
