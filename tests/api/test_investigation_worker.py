"""`riskgraph serve` runs investigators' requests in a worker process of their own, and
starts it again when it dies; clearance answers throughout."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from riskgraph.api import audit

ENTERPRISE = "0309757719"
RISK = '{ entityRisk(refs: [{kind: ENTERPRISE, id: "%s"}]) { id risk { score } } }' % ENTERPRISE
TARGETS = "{ keyTargets(kind: ENTERPRISE, first: 3) { edges { node { id name } } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _worker_of(pid: int) -> int | None:
    for child in _children(pid):
        with open(f"/proc/{child}/cmdline", "rb") as f:
            if b"riskgraph.api.investigation" in f.read():
                return child
    return None


def _ask(base: str, key: str, query: str) -> httpx.Response:
    return httpx.post(f"{base}/graphql", content=json.dumps({"query": query}), timeout=30,
                      headers={"Authorization": f"Bearer {key}", "content-type": "application/json"})


def _until(check, seconds: float = 60):
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("gave up waiting")


def test_investigators_are_served_by_a_worker_started_again_when_it_dies(api):
    port = _free_port()
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(api.settings.data_dir), "RISKGRAPH_GRAPH": api.settings.graph}
    serve = subprocess.Popen([sys.executable, "-m", "riskgraph.cli", "serve", "--port", str(port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        health = _until(lambda: _health(base))
        assert health["investigation"] == "worker"
        worker = _worker_of(serve.pid)
        assert worker is not None and os.getpriority(os.PRIO_PROCESS, worker) > os.getpriority(os.PRIO_PROCESS, 0)
        in_process = api.client.post("/graphql", json={"query": TARGETS},
                                     headers={"Authorization": f"Bearer {api.keys['investigator']}"}).json()
        assert _ask(base, api.keys["investigator"], TARGETS).json() == in_process  # the same answer, from the worker

        os.kill(worker, signal.SIGKILL)
        _until(lambda: not os.path.exists(f"/proc/{worker}") or "zombie" in Path(f"/proc/{worker}/status").read_text())
        refused = _ask(base, api.keys["investigator"], TARGETS)
        assert refused.status_code == 503 and refused.json()["errors"][0]["extensions"]["code"] == "INVESTIGATION_UNAVAILABLE"
        assert _ask(base, api.keys["clearance"], RISK).json()["data"]["entityRisk"][0]["id"] == ENTERPRISE  # clearance goes on
        entry = audit.entries(api.store, limit=1, operation="keyTargets")[0]
        assert entry["outcome"] == "error" and "INVESTIGATION_UNAVAILABLE" in entry["arguments"]

        again = _until(lambda: (r := _ask(base, api.keys["investigator"], TARGETS)).status_code == 200 and r)
        assert again.json() == in_process
        restarted = _worker_of(serve.pid)
        assert restarted not in (None, worker)
    finally:
        serve.send_signal(signal.SIGINT)
        output = serve.communicate(timeout=60)[0]
    assert "starting it again" in output
    assert not os.path.exists(f"/proc/{restarted}")  # stopped with serve


def _health(base: str) -> dict | None:
    try:
        answer = httpx.get(f"{base}/healthz", timeout=5).json()
    except httpx.TransportError:
        return None
    return answer if answer.get("status") == "ok" else None
