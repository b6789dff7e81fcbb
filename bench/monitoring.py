"""Online monitoring on a served world: the worked example of docs/selectivity.md
("Online monitoring") and its figures.

    PYTHONPATH=. .venv/bin/python bench/monitoring.py [--data-dir bench/out/demo] [--assessments 300]
                                                      [--only-assess] [--out bench/out/monitoring.json]

Starts ``riskgraph serve`` on the data directory (a world with a current analysis: ``riskgraph
demo --no-serve`` leaves one), creates an officer, a clearance and an admin key, then:

1. reads the queue's newest 1,000 ingested declarations (pages of 500) and counts the
   alerts by kind;
2. times the first page of 50, the same filtered by office, and by alert kind (median of 5);
3. takes the trader with the most declarations among those, puts it on the watchlist, opens the
   alert stream filtered to its office, assesses a declaration of that trader unlike its
   own trade (HS chapter 24 from Laos through Lao Bảo, 5,000,000 USD) and prints the alert
   event and how long after the answer it came;
4. times ``--assessments`` assessDeclaration calls one after another (p50, p99): what the
   clearance system waits for, with the queue recording each, and with ``--listen`` an
   alert stream open (every alert decided as it is recorded, and pushed). ``--only-assess``
   does this step alone, for a server without the queue (an older commit) to compare with.

Prints and writes ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from statistics import median

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from api import OUT, commit, create_key, free_port, machine, percentile, revoke_key, start_server, stop_server, wait_healthy  # noqa: E402

QUEUE = """query($first: Int!, $after: String, $office: String, $kinds: [AlertKind!], $source: QueueSource) {
  monitoringQueue(first: $first, after: $after, office: $office, alertKinds: $kinds, source: $source) {
    edges { node { declarationNo at source office gate trader lane score alerts { kind sentence } } }
    pageInfo { hasNextPage endCursor } } }"""
ASSESS = "query($i: DeclarationInput!) { assessDeclaration(input: $i) { channel score } }"


def gql(client: httpx.Client, key: str, query: str, variables: dict) -> dict:
    answer = client.post("/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {key}"})
    body = answer.json()
    if answer.status_code != 200 or body.get("errors"):
        raise SystemExit(f"{answer.status_code}: {body}")
    return body["data"]


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    found = fn()
    return (time.perf_counter() - start) * 1000, found


def declaration(no: int, trader: str, office: str, value: float) -> dict:
    return {"declarationNo": f"1099{no:08d}", "direction": "import", "registeredAt": "2026-01-05T10:00:00+07:00",
            "traderTaxCode": trader, "officeCode": office, "borderGate": "Cửa khẩu Lao Bảo", "hsCodes": ["24022090"],
            "originCountry": "LA", "valueUsd": value}


def queue_figures(client: httpx.Client, officer: str) -> dict:
    items, after = [], None
    while len(items) < 1000:
        page = gql(client, officer, QUEUE, {"first": 500, "after": after, "source": "INGESTED"})["monitoringQueue"]
        items += [e["node"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    kinds = Counter(a["kind"] for i in items for a in i["alerts"])
    office = items[0]["office"]
    times = {}
    for name, variables in (("first_page_50_ms", {"first": 50}), ("office_page_50_ms", {"first": 50, "office": office}),
                            ("unusual_value_page_20_ms", {"first": 20, "kinds": ["UNUSUAL_VALUE"]})):
        times[name] = round(median(timed(lambda v=variables: gql(client, officer, QUEUE, v))[0] for _ in range(5)), 1)
    busiest = Counter(i["trader"] for i in items).most_common(1)[0][0]
    return {"busiest": next(i for i in items if i["trader"] == busiest), "items": len(items), "with_alerts": sum(1 for i in items if i["alerts"]),
            "items_with_kind": {k: sum(1 for i in items if any(a["kind"] == k for a in i["alerts"])) for k in sorted(kinds)},
            "alerts_by_kind": dict(sorted(kinds.items())), "sample": items[:3], **times}


def worked_example(client: httpx.Client, base: str, keys: dict, item: dict) -> dict:
    trader, office = item["trader"], item["office"]
    gql(client, keys["admin"], """mutation($t: String!) { addWatchlist(ref: {kind: ENTERPRISE, id: $t},
        reason: "tin báo: thuốc lá qua Lao Bảo") { entryId } }""", {"t": trader})
    events, opened = [], threading.Event()

    def listen():
        with httpx.stream("GET", f"{base}/alerts/stream?office={office}", headers={"Authorization": f"Bearer {keys['officer']}"},
                          timeout=60) as r:
            opened.set()
            for line in r.iter_lines():
                if line.startswith("data: "):
                    events.append((time.perf_counter(), json.loads(line[6:])))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    opened.wait(30)
    time.sleep(0.2)
    took, answer = timed(lambda: gql(client, keys["clearance"], ASSESS, {"i": declaration(1, trader, office, 5_000_000.0)}))
    answered = time.perf_counter()
    thread.join(30)
    if not events:
        raise SystemExit("no alert arrived on the stream")
    arrived, event = events[0]
    return {"trader": trader, "office": office, "answer": answer["assessDeclaration"], "answer_ms": round(took, 1),
            "event_after_answer_ms": round((arrived - answered) * 1000, 1), "event": event}


def assess_figures(client: httpx.Client, key: str, trader: str, office: str, n: int) -> dict:
    latencies = sorted(timed(lambda i=i: gql(client, key, ASSESS, {"i": declaration(1000 + i, trader, office, 10_000.0 + i)}))[0]
                       / 1000 for i in range(n))
    return {"assessments": n, "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
            "max_ms": round(latencies[-1] * 1000, 2)}


def drain(base: str, key: str) -> None:
    """Read an alert stream, unfiltered, until the server stops."""
    try:
        with httpx.stream("GET", f"{base}/alerts/stream", headers={"Authorization": f"Bearer {key}"}, timeout=None) as r:
            for _ in r.iter_lines():
                pass
    except httpx.HTTPError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=OUT / "demo")
    parser.add_argument("--assessments", type=int, default=300)
    parser.add_argument("--only-assess", action="store_true")
    parser.add_argument("--listen", action="store_true", help="keep an alert stream open during the timed assessments")
    parser.add_argument("--trader", default="", help="trader of the timed assessments (--only-assess); default: the queue's")
    parser.add_argument("--office", default="02CI")
    parser.add_argument("--out", type=Path, default=OUT / "monitoring.json")
    args = parser.parse_args()
    port = free_port()
    server = start_server(args.data_dir, port, OUT / "monitoring-server.log")
    keys = {}
    try:
        wait_healthy(server, port, 300)
        keys = {role: create_key(args.data_dir, role) for role in ("officer", "clearance", "admin")}
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            report: dict = {"commit": commit(), "machine": machine(), "command": " ".join(sys.argv)}
            if not args.only_assess:
                report["queue"] = queue_figures(client, keys["officer"])
                report["example"] = worked_example(client, base, keys, report["queue"].pop("busiest"))
                trader, office = report["example"]["trader"], report["example"]["office"]
            else:
                trader, office = args.trader, args.office
            if args.listen:
                threading.Thread(target=drain, args=(base, keys["officer"]), daemon=True).start()
                time.sleep(1.0)
            report["assess"] = assess_figures(client, keys["clearance"], trader, office, args.assessments)
    finally:
        for key in keys.values():
            revoke_key(args.data_dir, key)
        stop_server(server, 120)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
