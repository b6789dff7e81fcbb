"""The bulk path builds exactly the graph the MERGE path builds, and only into an empty graph."""

from __future__ import annotations

import pytest

from riskgraph.errors import GraphNotEmpty
from riskgraph.graph import open_store
from riskgraph.graph.digest import canonical_lines, graph_digest
from riskgraph.ingest.pipeline import bulk_ingest, ingest
from riskgraph.settings import load
from tests.conftest import SMALL_WORLD
from tests.ingest.helpers import DECLARATIONS, ENTERPRISES, rejects


def _merged(settings, feed, runs):
    """Return the digest and lines of the feed loaded by the MERGE path into a graph of its own."""
    clean = open_store(load(env={}, data_dir=settings.data_dir, graph=settings.graph + "_merge"))
    try:
        ingest(clean, feed, runs)
        return graph_digest(clean), canonical_lines(clean)
    finally:
        clean.close()


def _same(store, expected):
    digest, lines = expected
    if graph_digest(store) != digest:
        got = canonical_lines(store)
        pytest.fail(f"only in the MERGE load: {sorted(set(lines) - set(got))[:5]}\nonly in the bulk load: {sorted(set(got) - set(lines))[:5]}")


def test_bulk_load_of_the_small_world_has_the_merge_digest(settings, store, tmp_path):
    expected = _merged(settings, SMALL_WORLD, tmp_path / "merge-runs")
    report = bulk_ingest(store.bulk(), SMALL_WORLD, tmp_path / "runs", chunk_size=5000)  # several chunks
    assert report.status == "bulk_loaded" and report.rejected == 0 and report.run_id == 1
    assert report.written.nodes_created == sum(r["count"] for r in store.query("count_nodes"))
    _same(store, expected)
    indexed = {(r["label"], p) for r in store.query("schema_indexes") for p in r["properties"]}
    assert ("Declaration", "declaration_no") in indexed and ("Enterprise", "tax_code") in indexed


def test_rejects_duplicates_and_references_as_the_merge_path(settings, store, write_feed, tmp_path):
    bad = DECLARATIONS + "105123456789,import,2025-03-17T08:15:00+07:00,0100233488,AG02,,,,,,1,green,none\n"  # conflicting repeat
    bad += "105123456791,sideways,2025-03-17,0100233488,,,,,,,1,green,none\n"  # not a direction
    feed = write_feed({"enterprises.csv": ENTERPRISES + ENTERPRISES.splitlines(keepends=True)[1], "declarations.csv": bad,
                       "violations.csv": "violation_id,subject_kind,subject_id,declaration_no,kind,decided_on\n"
                                         "V1,agent,AG09,105000000001,smuggling,2024-01-02\n"})
    expected = _merged(settings, feed, tmp_path / "merge-runs")
    report = bulk_ingest(store.bulk(), feed, tmp_path / "runs", batch_size=2)
    assert [f.duplicates for f in report.files][:1] == [1]
    assert sorted(r["field"] for r in rejects(report)) == ["declaration_no", "direction"]
    _same(store, expected)


def test_refused_on_a_graph_that_holds_nodes(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES})
    ingest(store, feed, tmp_path / "runs")
    held = sum(r["count"] for r in store.query("count_nodes"))
    with pytest.raises(GraphNotEmpty, match=rf"graph {store.info().graph} holds {held} nodes"):
        store.bulk()
