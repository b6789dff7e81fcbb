"""Online monitoring through the API: the queue (paging, filters, an assessed declaration
with its alerts), the alert stream (an alert arrives, filters, roles) and their audit."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from riskgraph.api import monitor
from tests.api.conftest import codes, http_server

ENTERPRISE = "0309757719"  # Công ty Cổ phần Dệt may Long Thịnh
QUEUE = """query($first: Int!, $after: String, $office: String, $gate: String, $kinds: [AlertKind!]) {
  monitoringQueue(first: $first, after: $after, office: $office, gate: $gate, alertKinds: $kinds) {
    edges { cursor node { declarationNo at source office gate trader lane score basis hits { profileId } alerts { kind sentence } } }
    pageInfo { hasNextPage endCursor } } }"""
ASSESS = """query($input: DeclarationInput!) { assessDeclaration(input: $input) { channel score } }"""


def declaration(no: str, **kw) -> dict:
    return {"declarationNo": no, "direction": "import", "registeredAt": "2026-01-05T10:00:00+07:00", "traderTaxCode": ENTERPRISE,
            "officeCode": "02CI", "borderGate": "Cửa khẩu Lao Bảo", "hsCodes": ["24022090"], "originCountry": "LA",
            "valueUsd": 2_500_000.0, **kw}


def queue(api, role="officer", **variables) -> dict:
    return api.data(QUEUE, {"first": 10, **variables}, role)["monitoringQueue"]


def wait_for(api, no: str, role="officer") -> dict:
    """The queue item of an assessed declaration: it is recorded after the answer, soon."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for edge in queue(api, role, first=20)["edges"]:
            if edge["node"]["declarationNo"] == no:
                return edge["node"]
        time.sleep(0.1)
    raise AssertionError(f"{no} never reached the queue")


def test_the_queue_pages_newest_first_without_repeats(own_api):
    seen, after, pages = [], None, 0
    while pages < 4:
        page = queue(own_api, first=7, after=after)
        seen += [(e["node"]["at"], e["node"]["declarationNo"]) for e in page["edges"]]
        after, pages = page["pageInfo"]["endCursor"], pages + 1
        assert page["pageInfo"]["hasNextPage"]
    assert len(seen) == 28 == len(set(seen)) and seen == sorted(seen, reverse=True)
    assert {e["node"]["source"] for e in queue(own_api, first=5)["edges"]} <= {"INGESTED", "ASSESSED"}


def test_the_queue_filters_by_office_gate_and_alert_kind(own_api):
    first = queue(own_api, first=1)["edges"][0]["node"]
    office = queue(own_api, first=20, office=first["office"])["edges"]
    assert office and {e["node"]["office"] for e in office} == {first["office"]}
    gate = queue(own_api, first=20, gate=first["gate"])["edges"]
    assert gate and {e["node"]["gate"] for e in gate} == {first["gate"]}
    assert queue(own_api, office="NO-SUCH-OFFICE")["edges"] == []
    ingested = own_api.data("{ monitoringQueue(first: 5, source: INGESTED) { edges { node { source } } } }", role="officer")
    assert [e["node"]["source"] for e in ingested["monitoringQueue"]["edges"]] == ["INGESTED"] * 5
    flagged = queue(own_api, first=5, kinds=["UNUSUAL_VALUE"])["edges"]
    assert flagged and all("UNUSUAL_VALUE" in {a["kind"] for a in e["node"]["alerts"]} for e in flagged)


def test_a_forged_cursor_and_a_clearance_key_are_refused(own_api):
    answer = own_api.gql(QUEUE, {"first": 2, "after": "bm90IGEgY3Vyc29y"}, "officer")
    assert codes(answer) == ["BAD_USER_INPUT"]
    answer = own_api.gql(QUEUE, {"first": 2}, "clearance")
    assert codes(answer) == ["FORBIDDEN"] and answer.get("data") is None


def test_an_assessed_declaration_reaches_the_queue_with_its_alerts(own_api):
    own_api.data("""mutation { addWatchlist(ref: {kind: ENTERPRISE, id: "%s"}, reason: "tip: tobacco through Lao Bảo") { entryId } }"""
                 % ENTERPRISE)
    answer = own_api.data(ASSESS, {"input": declaration("109990000001")}, "clearance")["assessDeclaration"]
    item = wait_for(own_api, "109990000001")
    assert item["source"] == "ASSESSED" and item["lane"] == answer["channel"] and item["score"] == answer["score"]
    assert item["office"] == "02CI" and item["trader"] == ENTERPRISE
    found = {a["kind"]: a["sentence"] for a in item["alerts"]}
    assert "tip: tobacco through Lao Bảo" in found["WATCHED"]
    assert {"NEW_GOODS", "NEW_ROUTE", "UNUSUAL_VALUE"} <= set(found), found
    assert queue(own_api, first=1, office="02CI")["edges"][0]["node"]["declarationNo"] == "109990000001"


@pytest.fixture(scope="module")
def server(own_api):
    with http_server(own_api.store) as address:
        yield address


class Listener:
    """Reads an alert stream on a thread of its own: its status, events and comments."""

    def __init__(self, address: str, key: str, query: str = ""):
        self.events: list[tuple[str, dict]] = []
        self.status: int | None = None
        self.opened = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(address, key, query), daemon=True)
        self.thread.start()
        assert self.opened.wait(20), "the stream did not open"

    def _read(self, address, key, query):
        with httpx.stream("GET", f"{address}/alerts/stream{query}", headers={"Authorization": f"Bearer {key}"}, timeout=30) as r:
            self.status = r.status_code
            if r.status_code != 200:
                self.body = r.read().decode()
            self.opened.set()
            if r.status_code != 200:
                return
            name = None
            for line in r.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    self.events.append((name, json.loads(line[6:])))
                if self.stop.is_set():
                    return

    def wait(self, no: str) -> dict:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for name, data in self.events:
                if name == "alert" and data["declarationNo"] == no:
                    return data
            time.sleep(0.05)
        raise AssertionError(f"no alert on {no}: {self.events}")


def post(address: str, key: str, query: str, variables: dict) -> dict:
    r = httpx.post(f"{address}/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    return r.json()


def audit_entries(own_api, operation: str) -> list[dict]:
    return own_api.data("""query($op: String) { auditLog(first: 50, operation: $op) { keyName outcome arguments resultSize } }""",
                        {"op": operation})["auditLog"]


def test_the_stream_pushes_an_alert_as_its_declaration_is_assessed(own_api, server, monkeypatch):
    monkeypatch.setattr(monitor, "KEEPALIVE", 0.2)  # a client gone away is found at the next write
    everything = Listener(server, own_api.keys["officer"])
    elsewhere = Listener(server, own_api.keys["investigator"], "?office=01B1&kind=watched")
    post(server, own_api.keys["clearance"], ASSESS, {"input": declaration("109990000002")})
    data = everything.wait("109990000002")
    assert data["source"] == "ASSESSED" and data["office"] == "02CI" and data["alerts"]
    queued = wait_for(own_api, "109990000002")
    assert data["alerts"] == queued["alerts"] and data["lane"] == queued["lane"]  # the stream says what the queue says
    post(server, own_api.keys["clearance"], ASSESS, {"input": declaration("109990000003", officeCode="01B1")})
    assert elsewhere.wait("109990000003")["office"] == "01B1"
    assert all(d["declarationNo"] != "109990000002" for _, d in elsewhere.events)  # another office's
    for listener in (everything, elsewhere):
        listener.stop.set()
        listener.thread.join(20)
    deadline = time.monotonic() + 20
    while len([e for e in audit_entries(own_api, "alertStream") if '"closed"' in e["arguments"]]) < 2:
        assert time.monotonic() < deadline, audit_entries(own_api, "alertStream")
        time.sleep(0.1)
    entries = audit_entries(own_api, "alertStream")
    opened = [e for e in entries if '"opened"' in e["arguments"]]
    assert {e["keyName"] for e in opened} >= {own_api.names["officer"], own_api.names["investigator"]}
    assert any('"01B1"' in e["arguments"] and '"watched"' in e["arguments"] for e in opened)
    closed = [e for e in entries if '"closed"' in e["arguments"]]
    assert max(e["resultSize"] for e in closed) >= 1


def test_the_stream_refuses_a_clearance_key_no_key_and_a_bad_filter(own_api, server):
    refused = Listener(server, own_api.keys["clearance"])
    assert refused.status == 403 and json.loads(refused.body)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert Listener(server, "rg_nope").status == 401
    bad = Listener(server, own_api.keys["officer"], "?kind=gossip")
    assert bad.status == 400 and "kind:" in json.loads(bad.body)["errors"][0]["message"]
    assert any(e["outcome"] == "forbidden" and e["keyName"] == own_api.names["clearance"] for e in audit_entries(own_api, "alertStream"))


def test_a_slow_client_loses_the_oldest_events_with_a_notice():
    stream = monitor.Stream(monitor.Filters())
    items = [monitor.Item(f"D{i}", f"2026-01-01T00:00:{i:02d}", "assessed", "02CI", "G", "T", "red", 0.9, "model", (), ())
             for i in range(monitor.BUFFER + 5)]
    for item in items:
        stream.offer(item)
    sent = stream.take()
    assert sent[0].startswith("event: dropped") and '"dropped": 5' in sent[0]
    assert len(sent) == 1 + monitor.BUFFER and '"D5"' in sent[1] and stream.take() == []


def test_the_queue_filters_by_lane(own_api):
    red = own_api.data("{ monitoringQueue(first: 20, lane: RED) { edges { node { lane } } } }", role="officer")["monitoringQueue"]
    assert red["edges"] and {e["node"]["lane"] for e in red["edges"]} == {"RED"}


def test_the_write_path_reads_a_traders_history_once_while_it_is_kept():
    class Store:
        asked: list[list[str]] = []

        def query(self, name, params):
            self.asked.append(params["traders"])
            return [{"trader": t, "rows": [{"declaration_no": f"{t}-1"}]} for t in params["traders"] if t != "NEW"]

    cache, store = monitor.Kept(monitor.trade_history), Store()
    assert cache(store, ["A", "NEW"]) == {"A": [{"declaration_no": "A-1"}], "NEW": []}
    assert cache(store, ["A", "B"])["B"] == [{"declaration_no": "B-1"}]
    assert cache(store, ["NEW", "A"])["NEW"] == []
    assert store.asked == [["A", "NEW"], ["B"]]
    cache.remember("A", {"declaration_no": "A-2"})
    cache.remember("C", {"declaration_no": "C-1"})  # not kept: read when first asked for
    assert cache(store, ["A"])["A"] == [{"declaration_no": "A-2"}, {"declaration_no": "A-1"}]
