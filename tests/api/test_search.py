"""The search index, store-free: builds on a thread of their own, old builds answering
while new ones are made, and a clear error before the first one is ready."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from riskgraph.api import search
from tests.ingest.helpers import DECLARATIONS, ENTERPRISES, load

NAMES = [
    {"kind": "enterprise", "key": "0101234567", "name": "Công ty TNHH Long Thịnh"},
    {"kind": "person", "key": "001085012345", "name": "Nguyễn Văn Thịnh"},
    {"kind": "vehicle", "key": "29C-123.45", "name": None},
]


class Names:
    """A store that answers search_names with ``rows``; with ``gate``, only once it is set.
    Its version is the latest feed run ``run`` and the number of rows."""

    def __init__(self, rows: list[dict], gate: threading.Event | None = None):
        self.rows, self.gate, self.reads, self.run = rows, gate, 0, 1

    def query(self, name: str, params: dict | None = None) -> list[dict]:
        if name == "search_phone":
            return []
        if name == "search_names_version":
            return [{"run": self.run, "entities": len(self.rows)}]
        assert name == "search_names"
        self.reads += 1
        if self.gate is not None:
            assert self.gate.wait(10)
        return list(self.rows)


@pytest.fixture
def executor():
    pool = ThreadPoolExecutor(max_workers=1)
    yield pool
    pool.shutdown(wait=True)


def test_names_keys_and_unfinished_words_are_found(executor):
    index = search.Index(Names(NAMES), executor)
    index.refresh().result()
    store = Names([])
    assert [h.key for h in index.search(store, "long thinh", {"enterprise", "person"}, 10)] == ["0101234567"]
    assert [h.key for h in index.search(store, "thi", {"enterprise", "person"}, 10)] == ["001085012345", "0101234567"]
    assert [(h.key, h.matched) for h in index.search(store, "29c 12345", {"vehicle"}, 10)] == [("29C-123.45", "plate or number")]
    assert index.search(store, "long thinh", {"vehicle"}, 10) == []


def test_a_search_before_the_first_build_is_told_to_come_back(executor):
    gate = threading.Event()
    store = Names(NAMES, gate)
    index = search.Index(store, executor, first_wait=0.05)
    index.refresh()
    with pytest.raises(search.IndexBuilding, match="still being built"):
        index.search(Names([]), "long thinh", {"enterprise"}, 10)
    gate.set()
    index.refresh().result()  # the build under way: the search did not start another
    assert [h.key for h in index.search(Names([]), "long thinh", {"enterprise"}, 10)] == ["0101234567"]
    assert store.reads == 1


def test_an_old_index_answers_while_the_next_build_is_made(executor, monkeypatch):
    store = Names(NAMES)
    index = search.Index(store, executor)
    index.refresh().result()
    gate = threading.Event()
    store.rows, store.gate = [*NAMES, {"kind": "enterprise", "key": "0309999999", "name": "Công ty Long Thịnh Mới"}], gate
    monkeypatch.setattr(search, "REFRESH_SECONDS", 0.0)  # every build is old at once
    # The build is stale: the search starts the next one and answers from the old one meanwhile.
    assert [h.key for h in index.search(Names([]), "long thinh", {"enterprise"}, 10)] == ["0101234567"]
    building = index.refresh()
    assert not building.done()
    gate.set()
    building.result()
    assert store.reads == 2  # one build, however many searches met the old index
    found = {h.key for h in index.search(Names([]), "long thinh", {"enterprise"}, 10)}
    assert found == {"0101234567", "0309999999"}


def test_a_build_that_fails_is_reported_and_the_next_search_tries_again(executor, caplog):
    class Down(Names):
        def query(self, name, params=None):
            self.reads += 1
            raise RuntimeError("store unreachable")

    store = Down([])
    index = search.Index(store, executor)
    with pytest.raises(RuntimeError, match="unreachable"):
        index.search(Names([]), "long thinh", {"enterprise"}, 10)
    assert "the search index was not built: store unreachable" in caplog.text
    with pytest.raises(RuntimeError):
        index.search(Names([]), "long thinh", {"enterprise"}, 10)
    assert store.reads == 2


def test_a_closing_index_stops_its_build_and_says_so(executor):
    gate = threading.Event()
    index = search.Index(Names(NAMES, gate), executor, first_wait=5.0)
    index.refresh()
    index.close()
    gate.set()
    with pytest.raises(search.IndexBuilding, match="stopping"):
        index.search(Names([]), "long thinh", {"enterprise"}, 10)


def test_an_unchanged_graph_is_not_read_again_and_a_new_feed_run_is(executor, monkeypatch):
    store = Names(NAMES)
    index = search.Index(store, executor)
    index.refresh().result()
    monkeypatch.setattr(search, "REFRESH_SECONDS", 0.0)
    index.refresh().result()
    assert store.reads == 1  # same run, same counts: the names kept
    store.rows = [{**NAMES[0], "name": "Công ty TNHH Thịnh Vượng"}, *NAMES[1:]]  # renamed by a feed: same counts
    store.run = 2
    index.refresh().result()
    assert store.reads == 2
    assert [h.key for h in index.search(Names([]), "thinh vuong", {"enterprise"}, 10)] == ["0101234567"]


def test_the_version_follows_feed_runs_and_new_entities_in_the_store(store, write_feed, tmp_path):
    store.ensure_schema()
    empty = store.query("search_names_version")[0]
    assert empty["run"] is None and (empty["enterprises"], empty["persons"], empty["agents"], empty["vehicles"]) == (0, 0, 0, 0)
    load(store, write_feed({"enterprises.csv": ENTERPRISES}), tmp_path)
    first = store.query("search_names_version")[0]
    assert (first["run"], first["status"], first["enterprises"], first["persons"]) == (1, "finished", 2, 0)
    # Declarations name an agent, a declarant and vehicles no register held: made by reference.
    load(store, write_feed({"declarations.csv": DECLARATIONS}, "more"), tmp_path)
    second = store.query("search_names_version")[0]
    assert second["run"] == 2 and second["enterprises"] == 3 and second["agents"] == 1 and second["vehicles"] == 2
    assert store.query("search_names_version") == [second]  # asking again changes nothing
    # The API's own runs (inspection results, intel) are not feed runs.
    store.query("run_start", {"run_id": 3, "props": {"feed": "api:recordInspectionResult"}}, write=True)
    assert store.query("search_names_version") == [second]
