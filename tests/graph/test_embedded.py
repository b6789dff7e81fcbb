"""The embedded server: private socket, shared by processes, recovered after crashes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from riskgraph.graph import embedded, open_store
from riskgraph.graph.digest import graph_digest
from riskgraph.settings import load

RUN = {"run": 1, "now": "2025-01-01T00:00:00+07:00"}
ROW = {"key": "0100233488", "props": {"name": "Công ty A"}, "phones": ["+84901234567"], "emails": [], "addresses": [], "accounts": []}


@pytest.fixture
def own_dir(tmp_path: Path):
    settings = load(env={}, data_dir=tmp_path / "data")
    yield settings
    embedded.stop(settings.store_dir.resolve())


def _server(settings) -> dict:
    return json.loads((settings.store_dir / "server.json").read_text())


def test_server_listens_on_a_private_socket_only(own_dir):
    s = open_store(own_dir)
    try:
        sock = Path(_server(own_dir)["socket"])
        assert stat.S_IMODE(sock.stat().st_mode) == 0o700
        conn = redis.Redis(unix_socket_path=str(sock))
        assert conn.config_get("port")["port"] == "0"
        assert conn.config_get("appendonly")["appendonly"] == "yes"
        assert conn.config_get("appendfsync")["appendfsync"] == "everysec"
        assert stat.S_IMODE(own_dir.store_dir.stat().st_mode) == 0o700
    finally:
        s.close()


def test_a_second_process_attaches_and_the_last_one_out_stops_the_server(own_dir):
    first = open_store(own_dir)
    pid = _server(own_dir)["pid"]
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(own_dir.data_dir)}
    out = subprocess.run([sys.executable, "-m", "riskgraph.cli", "store", "info"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"pid       {pid}" in out.stdout
    assert first.info().healthy  # the second process left; the server stayed for us
    first.close()
    assert not (own_dir.store_dir / "server.json").exists()
    assert not embedded.alive(pid)


def test_a_killed_server_is_recovered_from_its_append_only_file(own_dir):
    s = open_store(own_dir)
    s.ensure_schema()
    s.write("upsert_enterprises", [ROW], RUN)
    before = graph_digest(s)
    time.sleep(1.5)  # appendfsync everysec
    pid = _server(own_dir)["pid"]
    os.kill(pid, signal.SIGKILL)
    embedded.wait_exit(pid, 10)
    again = open_store(own_dir)  # stale pid file and socket: detected, a new server starts
    try:
        assert _server(own_dir)["pid"] != pid
        assert graph_digest(again) == before
    finally:
        again.close()
        s.close()


def test_sigterm_shuts_the_server_down_cleanly(own_dir):
    code = "from riskgraph.graph import open_store; from riskgraph.settings import load; import sys, time; s = open_store(load()); print('up', flush=True); time.sleep(60)"
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(own_dir.data_dir)}
    proc = subprocess.Popen([sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGTERM, lambda *a: sys.exit(143)); " + code], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "up"
    pid = _server(own_dir)["pid"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert embedded.wait_exit(pid, 10)
    assert not (own_dir.store_dir / "server.json").exists()


def test_cli_sigint_closes_the_store(own_dir, tmp_path):
    # The CLI turns SIGTERM into SystemExit; Ctrl-C is KeyboardInterrupt. Both unwind `finally`.
    code = "import time; from riskgraph.cli.common import opened; from riskgraph.settings import load\nwith opened(load()) as s:\n    print('up', flush=True); time.sleep(60)"
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(own_dir.data_dir)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().strip() == "up"
    pid = _server(own_dir)["pid"]
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert embedded.wait_exit(pid, 10)


def test_long_data_directories_get_a_short_private_socket(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    sock = embedded.socket_path(deep)
    assert len(str(sock)) <= 100
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700


def test_a_start_failure_says_why(own_dir, monkeypatch):
    monkeypatch.setattr(embedded, "_binaries", lambda: ("/bin/false", "/nonexistent.so"))
    with pytest.raises(Exception, match="exited at start-up"):
        embedded.attach_or_start(own_dir.store_dir.resolve())


def test_the_last_one_out_leaves_a_snapshot_not_a_log_to_replay(own_dir, monkeypatch):
    monkeypatch.setattr(embedded, "COMPACT_FROM", 1)
    s = open_store(own_dir)
    s.ensure_schema()
    s.write("upsert_enterprises", [ROW], RUN)
    before = graph_digest(s)
    s.close()
    aof = own_dir.store_dir / "appendonlydir"
    manifest = (aof / "appendonly.aof.manifest").read_text()
    base = next(line.split()[1] for line in manifest.splitlines() if "type b" in line)
    assert base.endswith(".rdb") and (aof / base).stat().st_size > 1_000
    assert all((aof / f).stat().st_size == 0 for f in os.listdir(aof) if f.endswith(".incr.aof"))
    again = open_store(own_dir)
    try:
        assert graph_digest(again) == before
    finally:
        again.close()


def test_new_indexes_are_snapshotted_so_that_a_crash_replays_no_unindexed_log(own_dir):
    s = open_store(own_dir)
    try:
        conn = redis.Redis(unix_socket_path=_server(own_dir)["socket"])
        s.ensure_schema()
        info = conn.info("persistence")
        assert info["aof_base_size"] > 0 and info["aof_current_size"] == info["aof_base_size"]
        indexes_in_base = info["aof_base_size"]
        s.ensure_schema()  # nothing new: no rewrite
        s.write("upsert_enterprises", [ROW], RUN)
        assert conn.info("persistence")["aof_base_size"] == indexes_in_base
        assert conn.config_get("auto-aof-rewrite-percentage")["auto-aof-rewrite-percentage"] == embedded.AOF_REWRITE_PERCENT
    finally:
        s.close()
