"""No request blocks the others: lanes, deadlines that reach the store, audited failures
and a health check that always answers."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import warnings

import pytest

from riskgraph import cypher, entities
from riskgraph.api import app, audit, feedback, links
from riskgraph.errors import StoreError

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

ENTERPRISE, OTHER = "0309757719", "0358652243"
CONNECTION = ('{ connection(from: {kind: ENTERPRISE, id: "%s"}, to: {kind: ENTERPRISE, id: "%s"}, maxHops: 3) { found } }'
              % (ENTERPRISE, OTHER))
RISK = '{ entityRisk(refs: [{kind: ENTERPRISE, id: "%s"}]) { id risk { score } } }' % ENTERPRISE
SLOW_READ = ("UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y UNWIND range(1, 3000) AS z "
             "WITH x WHERE x + y + z < 0 RETURN count(x) AS n")


def _post(client, api, query: str, role: str | None = "investigator", key: str | None = None):
    headers = {"content-type": "application/json"}
    if role or key:
        headers["Authorization"] = f"Bearer {key or api.keys[role]}"
    return client.post("/graphql", content=json.dumps({"query": query}), headers=headers)


def _newest(api, **filters) -> dict:
    return audit.entries(api.store, limit=1, **filters)[0]


@pytest.fixture
def short(api):
    """The world served with a one-second request time limit."""
    with TestClient(app.create_app(api.store, timeout=1.0), raise_server_exceptions=False) as client:
        yield client


def test_a_request_without_a_valid_key_is_audited_and_logged(api, caplog):
    forged = "rg_0123456789ab_" + "x" * 43
    for key in (None, "not-a-key", forged):
        response = _post(api.client, api, "{ __typename }", role=None, key=key)
        assert response.status_code == 401
    entry = _newest(api, operation="request")
    assert (entry["key_name"], entry["outcome"]) == ("(unauthenticated)", "unauthenticated")
    assert json.loads(entry["arguments"]) == {"key_id": "0123456789ab", "key_presented": True}
    assert "x" * 43 not in entry["arguments"]  # never the secret
    assert "refused a request without a valid API key (0123456789ab)" in caplog.text


def test_refusals_and_errors_are_audited_with_their_codes(api):
    assert _post(api.client, api, "{ nope ").status_code == 400
    entry = _newest(api, key_name=api.names["investigator"])
    assert (entry["operation"], entry["outcome"]) == ("request", "refused")
    assert json.loads(entry["arguments"])["codes"] == ["GRAPHQL_PARSE_FAILED"]
    answer = _post(api.client, api, '{ keyTargets(kind: ENTERPRISE, first: 100000) { total } }').json()
    entry = _newest(api, key_name=api.names["investigator"])
    assert (entry["operation"], entry["outcome"]) == ("keyTargets", "refused")
    assert json.loads(entry["arguments"])["codes"] == [e["extensions"]["code"] for e in answer["errors"]]
    _post(api.client, api, '{ apiKeys { keyId } }')
    entry = _newest(api, key_name=api.names["investigator"])
    assert (entry["operation"], entry["outcome"]) == ("denied", "forbidden")


def test_a_clearance_request_does_not_wait_for_an_investigation(api, monkeypatch):
    release, entered = threading.Event(), threading.Event()
    real = links.connection

    def held(*args):
        entered.set()
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(links, "connection", held)
    investigator = threading.Thread(target=_post, args=(api.client, api, CONNECTION))
    investigator.start()
    try:
        assert entered.wait(10)
        health = api.client.get("/healthz").json()
        assert health["waiting"]["investigation"] == 1 and health["status"] == "ok"
        answer = _post(api.client, api, RISK, role="clearance").json()
        assert answer["data"]["entityRisk"][0]["id"] == ENTERPRISE
        assert investigator.is_alive()  # answered while the investigation still ran
    finally:
        release.set()
        investigator.join(30)


def test_a_request_past_its_time_is_stopped_in_the_store_and_audited(api, short, monkeypatch):
    real = cypher.load
    monkeypatch.setattr(cypher, "load", lambda name, dialect: SLOW_READ if name == "slow_read" else real(name, dialect))
    monkeypatch.setattr(links, "connection", lambda store, *args: store.query("slow_read"))
    answer = _post(short, api, CONNECTION).json()
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["TIMEOUT"] and "ask for less" in answer["errors"][0]["message"]
    entry = _newest(api, operation="connection")
    assert entry["outcome"] == "timeout"
    # The store stopped the query: the lane is free again, well before the query's own end.
    for _ in range(100):
        if short.get("/healthz").json()["waiting"]["investigation"] == 0:
            break
        time.sleep(0.05)
    assert short.get("/healthz").json()["waiting"]["investigation"] == 0


def test_a_timed_out_write_says_it_may_have_been_stored(api, short, monkeypatch):
    real = feedback.submit_intel

    def slow(*args):
        time.sleep(1.3)
        return real(*args)

    monkeypatch.setattr(feedback, "submit_intel", slow)
    mutation = ('mutation { submitIntel(input: {receivedOn: "2024-06-01", reliability: "C", credibility: "3", '
                f'subjectKind: ENTERPRISE, subjectId: "{OTHER}", summary: "slow report", reportId: "SLOW-1"}}) {{ reportId }} }}')
    answer = _post(short, api, mutation).json()
    assert answer["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert "may have been stored" in answer["errors"][0]["message"] and "idempotencyKey" in answer["errors"][0]["message"]


def test_health_says_busy_when_the_store_does_not_answer_in_time(api, monkeypatch):
    release = threading.Event()
    real = entities.current

    def stuck(store):
        if threading.current_thread().name.startswith("riskgraph-health"):
            release.wait(10)
        return real(store)

    monkeypatch.setattr(entities, "current", stuck)
    try:
        first = api.client.get("/healthz")
        again = api.client.get("/healthz")  # no second probe queued behind the first
        assert (first.status_code, first.json()["status"]) == (200, "busy")
        assert again.json()["status"] == "busy" and again.json()["waiting"]["health"] == 1
    finally:
        release.set()
    for _ in range(100):
        if api.client.get("/healthz").json()["status"] == "ok":
            break
        time.sleep(0.02)
    assert api.client.get("/healthz").json()["status"] == "ok"


class _Gone:
    """A store whose server has gone away."""

    dialect = "falkordb"

    def clone(self):
        return self

    def ensure_schema(self):
        pass

    def revive(self):
        return False

    def limited(self, seconds):
        return _Nothing()

    def query(self, *args, **kw):
        raise StoreError("lost the FalkorDB server")

    rows = reads = write = query


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_health_and_requests_fail_fast_when_the_store_is_down(api):
    with TestClient(app.create_app(_Gone()), raise_server_exceptions=False) as client:
        health = client.get("/healthz")
        assert (health.status_code, health.json()["status"], health.json()["store"]) == (503, "down", False)
        response = _post(client, api, RISK, role="clearance")
        assert response.status_code == 503 and response.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"


def test_the_api_fails_fast_while_the_store_server_is_gone_and_starts_it_again(tmp_path):
    from riskgraph.api import auth
    from riskgraph.graph import embedded, open_store
    from riskgraph.settings import load

    settings = load(env={}, data_dir=tmp_path / "data")
    store = open_store(settings)
    try:
        key = auth.create(store, "admin", "store-loss", by="tests").key
        headers = {"content-type": "application/json", "Authorization": f"Bearer {key}"}
        keys = json.dumps({"query": "{ apiKeys { name } }"})
        with TestClient(app.create_app(store), raise_server_exceptions=False) as client:
            assert client.post("/graphql", content=keys, headers=headers).json()["data"]["apiKeys"] == [{"name": "store-loss"}]
            pid = json.loads((settings.store_dir / "server.json").read_text())["pid"]
            os.kill(pid, signal.SIGKILL)
            assert embedded.wait_exit(pid, 10)
            answer = client.post("/graphql", content=keys, headers=headers)
            assert answer.status_code in (200, 503)
            assert {e["extensions"]["code"] for e in answer.json()["errors"]} == {"STORE_UNAVAILABLE"}
            health = client.get("/healthz")  # it finds the store gone, and starts it again
            assert (health.status_code, health.json()["status"]) == (503, "down")
            for _ in range(300):
                if client.get("/healthz").json()["status"] == "ok":
                    break
                time.sleep(0.05)
            assert client.get("/healthz").json()["status"] == "ok"
            assert json.loads((settings.store_dir / "server.json").read_text())["pid"] != pid
            assert client.post("/graphql", content=keys, headers=headers).json()["data"]["apiKeys"] == [{"name": "store-loss"}]
    finally:
        store.close()
        embedded.stop(settings.store_dir.resolve())
