"""Groups given as columns encode to the bytes their rows give, in both bulk formats."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from riskgraph.graph import falkordb_bulk
from riskgraph.graph.bulk import BulkChunk, NodeColumns, RelationshipColumns
from riskgraph.graph.neo4j_import import ImportFiles

TEXTS = pa.list_(pa.string())
SHARED = {"source_run": 1, "first_seen": "2026-12-08T08:00:00+07:00"}


def _nodes(offset: int = 0) -> NodeColumns:
    columns = {"declaration_no": pa.array(["A", "B", "C", "D"]), "border_gate": pa.array([None, "Lạng Sơn", None, "Móng Cái"]),
               "value_usd": pa.array([None, 1.5, None, 0.0]), "hs_codes": pa.array([None, ["0101", "0202"], None, []], TEXTS),
               "count": pa.array([None, 3, None, -2], pa.int64())}
    return NodeColumns("Declaration", {name: array.slice(offset) for name, array in columns.items()}, SHARED)


@pytest.mark.parametrize("offset", [0, 1])  # arrays that start inside their buffers, as a taken slice does
def test_node_columns_encode_as_their_rows(offset):
    group = _nodes(offset)
    rows = group.rows()
    assert rows[0 if offset else 1]["hs_codes"] == ["0101", "0202"] and "border_gate" not in rows[-2]
    names = [*group.columns, *group.shared]
    body = falkordb_bulk.node_columns_blob(group)[len(falkordb_bulk.header("Declaration", names)):]
    assert body == b"".join(falkordb_bulk.value(row.get(n)) for row in rows for n in names)


def test_relationship_columns_encode_as_their_rows():
    for props in (SHARED, {}):
        group = RelationshipColumns("FOR_TRADER", np.array([0, 1, 7]), np.array([9, 9, 2]), props)
        assert falkordb_bulk.relationship_columns_blob(group) == falkordb_bulk.relationship_blob("FOR_TRADER", group.rows())


def test_a_property_type_the_format_lacks_is_refused():
    with pytest.raises(TypeError, match="cannot hold"):
        falkordb_bulk.column_values(pa.array([{"a": 1}]))


def test_neo4j_import_files_of_columns_are_those_of_their_rows(tmp_path):
    nodes, links = _nodes(1), RelationshipColumns("FOR_TRADER", np.array([0, 1]), np.array([2, 2]), SHARED)
    written = []
    for name, chunk in (("columns", BulkChunk(5, node_columns=[nodes], relationship_columns=[links])),
                        ("rows", BulkChunk(5, {"Declaration": nodes.rows()}, {"FOR_TRADER": links.rows()}))):
        files = ImportFiles(tmp_path / name)
        assert files.send(chunk).nodes_created == 3
        files.commit()
        written.append(sorted((p.name, p.read_text(encoding="utf-8")) for p in (tmp_path / name).glob("*.csv")))
    assert written[0] == written[1] and any("Lạng Sơn" in text for _, text in written[0])
