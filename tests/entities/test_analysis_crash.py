"""The store server killed while `riskgraph analyze` writes: readers see the old analysis
whole, and a rerun gives the digest of an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading

from riskgraph.entities import results
from riskgraph.errors import StoreError
from riskgraph.graph import embedded, open_store
from riskgraph.ingest.pipeline import ingest
from riskgraph.settings import load
from tests.conftest import SMALL_WORLD

ANALYZE = ["analyze", "--as-of", "2025-12-31", "--ranker", "priors"]


def _cli(data, *args):
    # One score a query, so that the write lasts long enough to be caught half-way.
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(data), "RISKGRAPH_BATCH_SIZE": "1"}
    env.pop("RISKGRAPH_FALKORDB_URL", None)
    return subprocess.Popen([sys.executable, "-m", "riskgraph.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _done(proc):
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out


def _reader(data):
    """A store that is no riskgraph client: closing it never shuts the server down."""
    sock = embedded.socket_path((data / "falkordb").resolve())
    return open_store(load(env={}, falkordb_url=f"unix://{sock}"))


def _seen(store):
    now = results.current(store)
    return now["analysis_id"], results.stored_scores(store, now["analysis_id"])


def _seen_now(data):
    """What a reader sees, the server started if no command holds it up."""
    embedded.attach_or_start((data / "falkordb").resolve())
    reader = _reader(data)
    try:
        return _seen(reader)
    finally:
        reader.close()


def _digest(data):
    store = open_store(load(env={}, data_dir=data))
    try:
        return results.digest(store)
    finally:
        store.close()


def test_server_killed_during_analyze_write_then_rerun(tmp_path):
    data = tmp_path / "data"
    store = open_store(load(env={}, data_dir=data))
    ingest(store, SMALL_WORLD, data / "runs")
    store.close()
    _done(_cli(data, *ANALYZE))
    shutil.copytree(data / "falkordb", tmp_path / "clean" / "falkordb", ignore=shutil.ignore_patterns("falkordb.sock", "server.*"))
    _done(_cli(tmp_path / "clean", *ANALYZE))
    expected, _ = _digest(tmp_path / "clean")

    old = _seen_now(data)
    watch = _reader(data)
    seen, stop = [], threading.Event()

    def read_until_the_server_dies():
        reader = _reader(data)
        try:
            while not stop.is_set():
                seen.append(_seen(reader))
        except StoreError:
            pass

    thread = threading.Thread(target=read_until_the_server_dies)
    thread.start()
    proc = _cli(data, *ANALYZE)
    try:
        while not results.unfinished(watch):
            assert proc.poll() is None, "analyze finished before its write was seen"
        pid = json.loads((data / "falkordb" / "server.json").read_text())["pid"]
        os.kill(pid, signal.SIGKILL)
        embedded.wait_exit(pid, 30.0)
    finally:
        stop.set()
        thread.join(timeout=30)
        watch.close()
        proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert seen and set(seen) == {old}  # while the new analysis was written: the old one, whole

    assert _seen_now(data) == old  # after the crash: still the old one, whole
    _done(_cli(data, *ANALYZE))
    new = _seen_now(data)
    assert new[0] != old[0] and new[1] == old[1]  # the same analysis again, whole, under a new id
    got, left_out = _digest(data)
    assert left_out >= 1  # the unfinished analysis stays, unseen, until results.ABANDONED_AFTER
    assert got == expected
