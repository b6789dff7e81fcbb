"""The API over the small world: loaded, analysed and saved once per world, one key per
role, a TestClient over ``create_app``.

``api`` is one world for the session, for tests that only read (reads still append audit
entries). ``own_api`` is a world of the test module's own, for modules that write or that
count audit entries.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from riskgraph.api import auth
from riskgraph.api.access import ROLES
from riskgraph.api.app import create_app
from riskgraph.entities.analysis import analyze
from riskgraph.entities.results import save
from riskgraph.graph import open_store
from riskgraph.ingest.pipeline import ingest
from riskgraph.settings import Settings, load
from tests.conftest import SMALL_WORLD

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")  # it works the same
    from starlette.testclient import TestClient

CUTOFF = date(2024, 7, 1)
CHROMIUM = Path("/usr/bin/chromium")  # Debian's: Playwright's own browser builds cannot be downloaded here
_worlds = itertools.count()

# What an error may never show: internals of the server.
LEAKS = ("Traceback", ".cypher", "MATCH ", "/work/", "riskgraph/", "site-packages", "File \"", "errMsg", "errCtx")
EXCEPTION_NAME = re.compile(r"\b[A-Za-z_]+(?:Error|Exception|Exit|Interrupt)\b")  # "ValueError"; "Syntax Error" is fine


@dataclass
class Api:
    """A served world: its settings, store, client, and a key and key name per role."""

    settings: Settings
    store: Any
    client: TestClient
    keys: dict[str, str]
    names: dict[str, str]

    def post(self, query: str, variables: dict | None = None, role: str | None = "admin", **kw):
        """POST one operation as ``role`` (None: no key); return the HTTP response."""
        headers = {"content-type": "application/json", **kw.pop("headers", {})}
        if role is not None:
            headers.setdefault("Authorization", f"Bearer {self.keys[role]}")
        body = {"query": query}
        if variables is not None:
            body["variables"] = variables
        # ASCII JSON, so that text no encoder takes (an unpaired surrogate) still reaches the server
        return self.client.post("/graphql", content=json.dumps(body).encode(), headers=headers, **kw)

    def gql(self, query: str, variables: dict | None = None, role: str = "admin") -> dict:
        """Return the JSON answer of a request that must not fail at the HTTP level."""
        response = self.post(query, variables, role)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert_clean(answer)
        return answer

    def data(self, query: str, variables: dict | None = None, role: str = "admin") -> dict:
        """Return ``data`` of a request that must succeed without any error."""
        answer = self.gql(query, variables, role)
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    def nodes(self, *, but: tuple[str, ...] = ("AuditEntry", "QueueEntry")) -> dict[str, int]:
        """Return how many nodes the graph holds per label, leaving out ``but``."""
        return {r["label"]: r["count"] for r in self.store.query("count_nodes") if r["label"] not in but}


def codes(answer: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]


def assert_clean(answer: dict) -> None:
    """Every error has a message and a code, and shows nothing of the server's insides."""
    for e in answer.get("errors", []):
        assert e["message"] and e["extensions"]["code"], e
        assert set(e) <= {"message", "extensions", "locations", "path"}, e
        text = repr(e)
        for leak in LEAKS:
            assert leak not in text, e
        assert not EXCEPTION_NAME.search(text), e


@contextmanager
def served(data_dir: Path, label: str) -> Iterator[Api]:
    """Load the small world into a graph of its own, analyse it, issue keys, serve it."""
    settings = load(env={}, data_dir=data_dir, graph=f"api{os.getpid()}_{label}_{next(_worlds)}")
    store = open_store(settings)
    try:
        ingest(store, SMALL_WORLD, data_dir / "runs" / settings.graph)
        store.ensure_schema()
        save(store, analyze(store, CUTOFF))
        names = {role: f"test-{role}" for role in ROLES}
        keys = {role: auth.create(store, role, names[role], by="tests").key for role in ROLES}
        with TestClient(create_app(store), raise_server_exceptions=False) as client:
            yield Api(settings, store, client, keys, names)
    finally:
        store.close()


@pytest.fixture(scope="session")
def api(data_dir) -> Iterator[Api]:
    """The small world served for the session: for tests that do not write."""
    with served(data_dir, "shared") as a:
        yield a


@pytest.fixture(scope="module")
def own_api(data_dir, request) -> Iterator[Api]:
    """The small world served for one test module: for tests that write."""
    with served(data_dir, request.module.__name__.rsplit(".", 1)[-1]) as a:
        yield a


@contextmanager
def http_server(store) -> Iterator[str]:
    """A real HTTP server over ``store``, for a browser: its base address. Only one app on
    a store is used at a time (the tests run one by one)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    running = uvicorn.Server(uvicorn.Config(create_app(store), log_level="warning"))
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield "http://127.0.0.1:%d" % sock.getsockname()[1]
    finally:
        running.should_exit = True
        thread.join(30)
        sock.close()


def playwright_api():
    """Return ``playwright.sync_api``, or skip when it or Debian's chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM}: apt-get install chromium")
    return sync_api
