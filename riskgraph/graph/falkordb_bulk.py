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
Groups given as columns (``NodeColumns``, ``RelationshipColumns``) are encoded a column at
a time with Arrow and NumPy, to the same bytes as their rows would give.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from riskgraph.graph.bulk import BulkChunk, NodeColumns, Properties, RelationshipColumns

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
    return list(dict.fromkeys(itertools.chain.from_iterable(rows)))


def _values(rows: Iterable[Properties], names: list[str]) -> bytes:
    """Return the values of ``names`` of each of ``rows`` in turn, encoded."""
    encode = _ENCODE
    try:  # ``value`` inlined: this runs once a property of every node
        return b"".join([encode[v.__class__](v) for row in rows for v in map(row.get, names)])
    except KeyError:
        return b"".join([value(v) for row in rows for v in map(row.get, names)])  # raises TypeError naming the type


def node_blob(label: str, rows: Sequence[Properties]) -> bytes:
    """Return the blob of ``rows``, nodes of ``label`` in id order. Cost: one pass."""
    names = _names(rows)
    return header(label, names) + _values(rows, names)


def relationship_blob(kind: str, rows: Sequence[tuple[int, int, Properties]]) -> bytes:
    """Return the blob of ``rows``, ``(source, target, properties)`` of type ``kind``.

    Most relationships share one properties mapping (the run's provenance): it is encoded once.
    """
    names = _names(props for _, _, props in rows)
    encoded: dict[int, bytes] = {}
    parts = []
    append, ends = parts.append, _ENDS.pack
    for source, target, props in rows:
        blob = encoded.get(id(props))
        if blob is None:
            blob = encoded[id(props)] = _values([props], names)
        append(ends(source, target))
        append(blob)
    return header(kind, names) + b"".join(parts)


def _typed(code: int, fmt: str, values: Any) -> Any:
    """Return an Arrow binary array of ``code`` and each of ``values`` packed as ``fmt`` (one NumPy type)."""
    import pyarrow as pa

    packed = np.empty(len(values), dtype=[("type", "u1"), ("value", fmt)])
    packed["type"] = code
    packed["value"] = values
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(packed.itemsize), len(values), [None, pa.py_buffer(packed.tobytes())])


def column_values(column: Any) -> Any:
    """Return each value of an Arrow ``column`` (text, float64, int64, or lists of text) in the
    bulk format, as a binary array: a null is a null value, which the server leaves out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    join, kind = pc.binary_join_element_wise, column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        encoded = join(b"\x03", pc.cast(column, pa.binary()), b"\x00", b"")
    elif pa.types.is_float64(kind):
        encoded = pc.cast(_typed(2, "<f8", column.to_numpy(zero_copy_only=False)), pa.binary())
    elif pa.types.is_int64(kind):
        encoded = pc.cast(_typed(4, "<i8", pc.fill_null(column, 0).to_numpy(zero_copy_only=False)), pa.binary())
    elif pa.types.is_list(kind) and pa.types.is_string(kind.value_type):
        offsets = np.asarray(column.offsets)
        items = pa.ListArray.from_arrays(pa.array(offsets - offsets[0], pa.int32()), column_values(column.flatten()))
        lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
        encoded = join(pc.cast(_typed(5, "<i8", lengths), pa.binary()), pc.binary_join(items, b""), b"")
    else:
        raise TypeError(f"a bulk-loaded property cannot hold a {kind}")
    return pc.if_else(pc.is_null(column), pa.scalar(_NULL), encoded)


def node_columns_blob(group: NodeColumns) -> bytes:
    """Return the blob of a group of nodes given as columns. Cost: a few passes over the arrays."""
    import pyarrow.compute as pc

    shared = b"".join([value(v) for v in group.shared.values()])
    rows = pc.binary_join_element_wise(*[column_values(c) for c in group.columns.values()], shared, b"")
    _, offsets, data = rows.buffers()
    ends = np.frombuffer(offsets, np.int32)[rows.offset : rows.offset + len(rows) + 1]
    return header(group.label, [*group.columns, *group.shared]) + data[int(ends[0]) : int(ends[-1])].to_pybytes()


def relationship_columns_blob(group: RelationshipColumns) -> bytes:
    """Return the blob of a group of relationships given as id arrays. Cost: one pass."""
    names = list(group.props)
    shared = b"".join([value(group.props[n]) for n in names])
    packed = np.empty(len(group), dtype=[("source", "<u8"), ("target", "<u8"), *([("props", f"V{len(shared)}")] if shared else [])])
    packed["source"] = group.sources
    packed["target"] = group.targets
    if shared:
        packed["props"] = np.void(shared)
    return header(group.kind, names) + packed.tobytes()


def command(graph: str, chunk: BulkChunk, first: bool) -> list[Any]:
    """Return the ``GRAPH.BULK`` arguments that write ``chunk`` into ``graph``."""
    nodes = [node_blob(label, rows) for label, rows in chunk.nodes.items() if rows]
    nodes += [node_columns_blob(group) for group in chunk.node_columns if len(group)]
    relationships = [relationship_blob(kind, rows) for kind, rows in chunk.relationships.items() if rows]
    relationships += [relationship_columns_blob(group) for group in chunk.relationship_columns if len(group)]
    return ["GRAPH.BULK", graph, *(["BEGIN"] if first else []), chunk.node_count, chunk.relationship_count,
            len(nodes), len(relationships), *nodes, *relationships]
