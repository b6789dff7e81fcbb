"""The binary format of FalkorDB's ``GRAPH.BULK`` command, written out.

``GRAPH.BULK GRAPH [BEGIN] NODES RELATIONSHIPS NODE_BLOBS RELATIONSHIP_BLOBS BLOB...``
(``BEGIN`` on the first call only: the server then refuses a graph key that exists).
Each blob holds one label or relationship type: the name and the property names as
NUL-terminated strings with a 4-byte count between them, then per entity (for a
relationship, first its source and target node ids, 8 bytes each) one value per property:
a type byte (0 null: left out, 1 bool, 2 double, 3 string, 4 integer, 5 array) and the
value (1 byte; 8-byte double; NUL-terminated UTF-8; 8-byte integer; 8-byte length and
that many typed values). Integers are little-endian, as the server reads them in place.
Nodes get ids in the order they arrive: 0, 1, 2, ... for a new graph.

Written here rather than taken from the ``falkordb-bulk-loader`` package: that package
reads CSV files from disk and offers no encoder as an API, and the format fits in 50 lines.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

from riskgraph.graph.bulk import BulkChunk, Properties

_DOUBLE = struct.Struct("<Bd")
_LONG = struct.Struct("<Bq")
_ENDS = struct.Struct("<QQ")
_COUNT = struct.Struct("<I")
_TRUE, _FALSE, _NULL = b"\x01\x01", b"\x01\x00", b"\x00"


def value(v: Any) -> bytes:
    """Return one property value in the bulk format (None: null, which the server leaves out)."""
    try:
        return _ENCODE[v.__class__](v)
    except KeyError:
        raise TypeError(f"a bulk-loaded property cannot hold a {type(v).__name__}") from None


_ENCODE = {
    str: lambda v: b"\x03" + v.encode() + b"\x00",
    type(None): lambda v: _NULL,
    bool: lambda v: _TRUE if v else _FALSE,
    float: lambda v: _DOUBLE.pack(2, v),
    int: lambda v: _LONG.pack(4, v),
    list: lambda v: _LONG.pack(5, len(v)) + b"".join([value(x) for x in v]),
}


def header(name: str, properties: Sequence[str]) -> bytes:
    """Return a blob's header: the label or type, the property count and names."""
    return name.encode() + b"\x00" + _COUNT.pack(len(properties)) + b"".join(p.encode() + b"\x00" for p in properties)


def _names(rows: Iterable[Properties]) -> list[str]:
    """Return every property name the rows use, in first-use order."""
    return list(dict.fromkeys(name for row in rows for name in row))


def node_blob(label: str, rows: Sequence[Properties]) -> bytes:
    """Return the blob of ``rows``, nodes of ``label`` in id order. Cost: one pass."""
    names = _names(rows)
    return header(label, names) + b"".join([value(row.get(n)) for row in rows for n in names])


def relationship_blob(kind: str, rows: Sequence[tuple[int, int, Properties]]) -> bytes:
    """Return the blob of ``rows``, ``(source, target, properties)`` of type ``kind``.

    Most relationships share one properties mapping (the run's provenance): it is encoded once.
    """
    names = _names(props for _, _, props in rows)
    encoded: dict[int, bytes] = {}
    parts = []
    for source, target, props in rows:
        blob = encoded.get(id(props))
        if blob is None:
            blob = encoded[id(props)] = b"".join([value(props.get(n)) for n in names])
        parts.append(_ENDS.pack(source, target) + blob)
    return header(kind, names) + b"".join(parts)


def command(graph: str, chunk: BulkChunk, first: bool) -> list[Any]:
    """Return the ``GRAPH.BULK`` arguments that write ``chunk`` into ``graph``."""
    nodes = [node_blob(label, rows) for label, rows in chunk.nodes.items() if rows]
    relationships = [relationship_blob(kind, rows) for kind, rows in chunk.relationships.items() if rows]
    return ["GRAPH.BULK", graph, *(["BEGIN"] if first else []), chunk.node_count, chunk.relationship_count,
            len(nodes), len(relationships), *nodes, *relationships]
