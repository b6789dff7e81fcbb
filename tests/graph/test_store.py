"""Contract tests of the Store protocol: the embedded backend always, Neo4j when configured."""

from __future__ import annotations

import os

import pytest

from riskgraph.errors import QueryError
from riskgraph.graph import open_store
from riskgraph.graph.digest import graph_digest, nodes, relationships
from riskgraph.settings import load

HOSTILE = [
    "Công ty TNHH Thương mại Đại Phát",
    'He said "hi" and \'bye\'',
    "back\\slash \\' \\\" end\\",
    "line\nbreak\r\ttab",
    "}) DETACH DELETE n //",
    "'); MATCH (n) DETACH DELETE n; //",
    "emoji 🚢📦",
    "$rows {x: 1} `tick`",
    "x" * 5000,
]
RUN = {"run": 1, "now": "2025-01-01T00:00:00+07:00"}


def _enterprise(key: str, name: str) -> dict:
    return {"key": key, "props": {"name": name}, "phones": [], "emails": [], "addresses": [], "accounts": []}


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request, settings):
    if request.param == "neo4j":
        if not os.environ.get("RISKGRAPH_NEO4J_URI"):
            pytest.skip("RISKGRAPH_NEO4J_URI is not set")
        s = open_store(load(store="neo4j"))
        s.ensure_schema()
        s.query("digest_nodes", {"after": -1, "limit": 1})
        yield s
        s.close()
        return
    s = open_store(settings)
    s.ensure_schema()
    yield s
    s.close()


def test_hostile_strings_round_trip_exactly(any_store):
    rows = [_enterprise(f"K{i}", text) for i, text in enumerate(HOSTILE)]
    any_store.write("upsert_enterprises", rows, RUN)
    stored = {r["props"]["tax_code"]: r["props"]["name"] for r in nodes(any_store)}
    assert stored == {f"K{i}": text for i, text in enumerate(HOSTILE)}


def test_writes_are_idempotent_merges(any_store):
    rows = [_enterprise("0100233488", "A")]
    first = any_store.write("upsert_enterprises", rows, RUN)
    again = any_store.write("upsert_enterprises", rows, RUN)
    assert first.nodes_created == 1 and again.nodes_created == 0
    counts = {r["label"]: r["count"] for r in any_store.query("count_nodes")}
    assert counts == {"Enterprise": 1}


def test_a_batch_lands_whole_or_not_at_all(any_store):
    any_store.write("declarations_create", [{"key": "1", "props": {"direction": "import"}}], RUN)
    # The second row repeats a unique key: the whole batch fails and its first row is not kept.
    with pytest.raises(QueryError):
        any_store.write("declarations_create", [{"key": "2", "props": {}}, {"key": "1", "props": {}}], RUN)
    keys = sorted(r["props"]["declaration_no"] for r in nodes(any_store))
    assert keys == ["1"]


def test_batches_split_large_writes(settings):
    s = open_store(load(env={}, data_dir=settings.data_dir, graph=settings.graph, batch_size=7))
    try:
        summary = s.write("upsert_enterprises", [_enterprise(str(i), "n") for i in range(50)], RUN)
        assert summary.rows == 50 and summary.nodes_created == 50
    finally:
        s.close()


def test_schema_is_idempotent_and_enforces_keys(any_store):
    any_store.ensure_schema()
    any_store.ensure_schema()
    any_store.write("declarations_create", [{"key": "X", "props": {}}], RUN)
    with pytest.raises(QueryError):
        any_store.write("declarations_create", [{"key": "X", "props": {}}], RUN)


def test_the_digest_pages_through_everything_by_id_range(any_store):
    any_store.write("upsert_enterprises", [_enterprise(str(i), "n") for i in range(25)], RUN)
    any_store.write("declarations_create", [{"key": str(i), "props": {}} for i in range(5)], RUN)
    links = {"agents": [], "declarants": [], "vehicles": [], "warehouses": [], "partners": [], "row_hash": "h"}
    any_store.write("declarations_link", [{"key": str(i), "trader": str(i), **links} for i in range(5)], RUN)
    assert len(list(nodes(any_store, page=4))) == 30
    assert len(list(relationships(any_store, page=4))) == len(list(relationships(any_store))) == 5
    assert graph_digest(any_store, page=3) == graph_digest(any_store)


def test_info_reports_a_healthy_store(any_store):
    info = any_store.info()
    assert info.healthy and info.backend in ("falkordb", "neo4j") and "password" not in info.location


def test_unknown_query_is_a_query_error(any_store):
    with pytest.raises(QueryError, match="no query named"):
        any_store.query("drop_everything")


def test_reads_of_a_graph_not_yet_written_find_nothing(store):
    assert store.query("count_nodes") == []


def test_reads_answer_several_queries_in_order_as_each_alone_would(any_store):
    any_store.write("upsert_enterprises", [_enterprise(f"K{i}", text) for i, text in enumerate(HOSTILE[:3])], RUN)
    queries = [("count_nodes", {}), ("entity_nodes", {"enterprises": ["K2", "K0", "nobody"], "persons": [], "agents": [], "vehicles": []}),
               ("count_relationships", {})]
    assert any_store.reads(queries) == [any_store.query(name, params) for name, params in queries]
    assert [r["name"] for r in any_store.reads(queries[1:2])[0]] == [HOSTILE[2], HOSTILE[0]]


def test_a_failing_query_among_reads_is_a_query_error_naming_it(any_store):
    any_store.write("upsert_enterprises", [_enterprise("K1", "A")], RUN)
    with pytest.raises(QueryError, match="key_targets"):
        any_store.reads([("count_nodes", {}), ("key_targets", {"kind": "enterprise"})])  # parameters missing
    assert any_store.reads([("count_nodes", {})]) == [[{"label": "Enterprise", "count": 1}]]  # the connection is still good


def test_reads_of_a_graph_not_yet_written_find_nothing_either(store):
    assert store.reads([("count_nodes", {}), ("count_relationships", {})]) == [[], []]
