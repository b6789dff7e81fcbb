"""Time limits, separate handles and the audit graph of the embedded FalkorDB store."""

from __future__ import annotations

import pytest
from falkordb import FalkorDB

from riskgraph import cypher
from riskgraph.errors import StoreTimeout
from riskgraph.graph import open_store

SLOW_READ = ("UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y UNWIND range(1, 3000) AS z "
             "WITH x WHERE x + y + z < 0 RETURN count(x) AS n")
SLOW_WRITE = "UNWIND range(1, 20000000) AS x CREATE (:Scratch {x: x})"  # never started


def _one_enterprise(store) -> None:
    store.write("upsert_enterprises", [{"key": "0100233488", "props": {"name": "A"}, "phones": [], "emails": [],
                                        "addresses": [], "accounts": []}], {"run": 1, "now": "2025-01-01T00:00:00+07:00"})


@pytest.fixture
def slow(monkeypatch, store):
    """Queries ``slow_read`` and ``slow_write`` that run for many seconds, on a graph that exists."""
    _one_enterprise(store)
    real = cypher.load

    def load(name: str, dialect: str) -> str:
        return {"slow_read": SLOW_READ, "slow_write": SLOW_WRITE}.get(name) or real(name, dialect)

    monkeypatch.setattr(cypher, "load", load)


def test_the_store_stops_a_read_at_the_limit_and_answers_the_next(store, slow):
    with pytest.raises(StoreTimeout, match="slow_read was stopped at its time limit"), store.limited(0.3):
        store.query("slow_read")
    assert store.query("count_nodes") == [{"label": "Enterprise", "count": 1}]


def test_no_write_starts_once_the_time_is_up(store, slow):
    with pytest.raises(StoreTimeout, match="slow_write was not started"), store.limited(0):
        store.query("slow_write", write=True)
    assert store.query("count_nodes") == [{"label": "Enterprise", "count": 1}]


def test_no_query_starts_once_the_time_is_up(store):
    with pytest.raises(StoreTimeout, match="was not started"), store.limited(0):
        store.query("count_nodes")
    assert store.query("count_nodes") == []  # outside the block: no limit


def test_nested_limits_keep_the_shorter(store, slow):
    with store.limited(60), pytest.raises(StoreTimeout), store.limited(0.2):
        store.query("slow_read")


def test_the_settings_limit_every_query(settings, slow):
    s = open_store(settings.__class__(**{**settings.__dict__, "query_timeout": 1}))
    try:
        with pytest.raises(StoreTimeout):
            s.query("slow_read")
    finally:
        s.close()


def test_a_clone_has_its_own_connection_and_closing_it_keeps_the_original(store):
    _one_enterprise(store)
    other = store.clone()
    assert other.query("count_nodes") == store.query("count_nodes")
    other.close()
    assert store.query("count_nodes")[0]["count"] >= 1


def _entry(n: int) -> dict:
    return {"entry_id": f"20261203T120000.00000{n}-abcdef", "at": "2026-12-03T19:00:00.000+07:00", "key_id": "k1",
            "key_name": "analyst", "role": "admin", "operation": "dossier", "arguments": f'{{"n": {n}}}',
            "result_size": 1, "outcome": "ok"}


def _logged(store) -> list[str]:
    return [e["arguments"] for e in store.query("audit_list", {"limit": 10, "key_name": None, "operation": None, "before": None})]


def test_audit_entries_live_in_a_graph_of_their_own(store):
    store.ensure_schema()
    store.write("audit_append", [_entry(1), _entry(2)])
    assert "AuditEntry" not in {r["label"] for r in store.query("count_nodes")}
    assert _logged(store) == ['{"n": 2}', '{"n": 1}']


def test_entries_of_the_main_graph_are_copied_into_the_audit_graph_once(store, settings):
    old = [_entry(1), _entry(2)]
    raw = FalkorDB(unix_socket_path=store.info().location).select_graph(settings.graph)
    for e in old:
        raw.query("CREATE (a:AuditEntry) SET a = $e", {"e": e})
    store.ensure_schema()
    store.ensure_schema()
    store.write("audit_append", [_entry(3)])
    assert _logged(store) == ['{"n": 3}', '{"n": 2}', '{"n": 1}']


def test_a_deadline_is_per_thread_nests_to_the_shorter_and_keeps_its_ceiling():
    import threading

    from riskgraph.graph.store import Deadline

    d = Deadline(ceiling=30)
    assert d.left("q") == 30
    with d.limited(5):
        assert 4 < d.left("q") <= 5
        with d.limited(60):
            assert d.left("q") <= 5
        seen = []
        other = threading.Thread(target=lambda: seen.append(d.left("q")))
        other.start()
        other.join()
        assert seen == [30]  # another thread's queries are not limited by this one's block
    assert d.left("q") == 30 and Deadline().left("q") is None
    with pytest.raises(StoreTimeout, match="q was not started"), d.limited(-1):
        d.left("q")
