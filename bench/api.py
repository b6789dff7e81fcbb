"""API benchmark: latency and throughput of the GraphQL API over loopback.

    .venv/bin/python bench/api.py [--data-dir bench/out/analyze-data] [--world bench/out/world-100000-1]
                                  [--sample bench/out/assess-sample.csv]
                                  [--seconds 60] [--concurrency 32] [--warmup 5] [--ops entityRisk assessDeclaration dossier]
                                  [--servers 1] [--rate R] [--out bench/out/api.json]

The store in ``--data-dir`` must hold the world and a current analysis (bench/ingest.py
and ``riskgraph analyze`` leave one). The benchmark starts ``riskgraph serve`` on a free
loopback port as a child process, creates a clearance and an officer key with
``riskgraph apikey create``, waits for ``/healthz``, then loads one operation at a time:
``--concurrency`` workers in a closed loop, each on its own keep-alive HTTP/1.1
connection, ``--warmup`` seconds unmeasured, then ``--seconds`` measured. A response is
an error if its status is not 200 or its body carries GraphQL ``errors``. With
``--servers N`` it starts N API servers on the one store and spreads the workers over
them (what N workers behind a load balancer would do). With ``--rate R`` the load is an
open loop instead: requests arrive at R per second (Poisson arrivals, as many clearance
stations would send them) and go out on the first free of ``--concurrency`` connections;
each latency runs from the arrival, so queueing for a connection counts. ``--mix
entityRisk=70,assessDeclaration=25,dossier=5 --curve 50 100 200 400 --saturation`` runs the
mix at each offered rate, then each operation alone in a closed loop. With
``--neighbours cpu memory`` each operation is run again beside a loop of that work alone
at the lowest scheduling class on the last CPU, the floor for any concurrent work here.

Requests are drawn at random from pools built before the load (request bytes are
prepared in advance, so the generator spends its time on sockets only):

* entityRisk: 3 refs (an enterprise, an agent, a person); each is, with even odds, a key
  target of its kind (the riskiest 500, read through the API) or the trader, agent or
  declarant of a real declaration of ``--sample``;
* assessDeclaration: a declaration of ``--sample`` in contract form;
* dossier: an enterprise, with even odds a key target or any enterprise of the world.

Prints and writes ``--out``: p50/p90/p99/max latency, requests/s and errors
per operation, the CPU used by the API server, its store, the generator and the whole
machine (and taken by the hypervisor) during each load, the commit, and the peak RSS of the API server (VmHWM) and of the store server. The API server
is stopped with SIGINT at the end (it then stops the store, which snapshots first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import importlib.util
import json
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from procfs import cpu_seconds, status_mb  # beside this file

OUT = Path(__file__).parent / "out"
CLI = Path(sys.executable).parent / "riskgraph"
POOL = 4096  # prepared requests per operation
KEY_TARGETS = 500  # riskiest entities of each kind mixed into the requests
SHOW_ERRORS = 5  # error responses printed per operation

ENTITY_RISK = "query($refs:[EntityRef!]!){ entityRisk(refs:$refs){ kind id known risk { score band reasons { factor contribution } } } }"
ASSESS = "query($d: DeclarationInput!){ assessDeclaration(input:$d){ channel score random reasons { factor contribution detail } } }"
DOSSIER = (
    "query($k:EntityKind!,$id:String!){ dossier(kind:$k,id:$id){ entity { name risk { score band } } "
    "roles { role otherName since until } identifiers { kind value holderCount holders { id } } "
    "trade { declarations valueUsd byMonth { key count } channels { key count } hsCodes { key count } partners { key count } gates { key count } } "
    "violations { violationId kind decidedOn } intel { grade reliability } community suspiciousNetwork { rank why } "
    "neighbours { entity { id risk { score } } links weight } } }"
)
# Worst cases an investigator may send: the longest paths over every link group, declarations
# themselves included, with no hub cut to speak of; and the widest neighbourhood.
CONNECTION = ("query($a:String!,$b:String!){ connection(from:{kind:ENTERPRISE,id:$a}, to:{kind:ENTERPRISE,id:$b}, maxHops:6, "
              "links:[PEOPLE,IDENTIFIERS,AGENTS,VEHICLES,PARTNERS,CASES,DECLARATIONS], hubLimit:5000){ found complete "
              "paths { length nodes { nodeId label key name score } edges { type facts } } hubs { links } } }")
NEIGHBOURHOOD = ("query($id:String!){ neighbourhood(kind:ENTERPRISE, id:$id, depth:3, limit:500, "
                 "links:[PEOPLE,IDENTIFIERS,AGENTS,VEHICLES,PARTNERS,CASES,DECLARATIONS], hubLimit:5000){ truncated "
                 "nodes { nodeId label key name score band } edges { source target type facts } hubs { links } } }")
KEY_TARGETS_QUERY = "query($k:EntityKind!,$n:Int!){ keyTargets(kind:$k, first:$n){ edges { node { id } } } }"

# Contract columns of declarations.csv -> DeclarationInput fields; lists and numbers converted.
LISTS = {"vehicle_ids", "hs_codes"}
FLOATS = {"value_usd", "tax_vnd", "duty_rate_pct", "net_mass_kg", "gross_mass_kg", "quantity"}
NOT_INPUT = {"channel", "inspection_result", "selection"}  # outcomes, not part of a declaration being assessed


# --- the server --------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int, log: Path, apart: bool = True) -> subprocess.Popen:
    """Start ``riskgraph serve`` on ``port`` (investigators on its worker process unless
    ``apart`` is False); its output goes to ``log``."""
    where = "--investigators-apart" if apart else "--investigators-in-process"
    with open(log, "wb") as out:
        return subprocess.Popen([str(CLI), "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1", "--port", str(port), where],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def workers_of(pid: int) -> list[int]:
    """Return the investigation worker processes ``riskgraph serve`` ``pid`` started."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(OSError), open(f"/proc/{child}/cmdline", "rb") as f:
                if b"riskgraph.api.investigation" in f.read():
                    found.append(int(child))
    return found


def wait_healthy(server: subprocess.Popen, port: int, timeout: float) -> dict:
    """Poll ``GET /healthz`` until it answers 200; return its body. The store may take a
    minute or more to load its snapshot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the API server exited with code {server.returncode} before answering; see its log")
        try:
            status, body = asyncio.run(_get(port, "/healthz"))
            if status == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(1.0)
    raise SystemExit(f"the API server did not answer /healthz within {timeout:g} s")


async def _get(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        return await read_response(reader)
    finally:
        writer.close()


def create_key(data_dir: Path, role: str) -> str:
    """Create an API key of ``role`` with the CLI (it attaches to the running store)."""
    done = subprocess.run([str(CLI), "--data-dir", str(data_dir), "apikey", "create", "--role", role, "--name", f"bench-api {role}"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def revoke_key(data_dir: Path, key: str) -> None:
    """Revoke a key made by ``create_key`` (its id is the part after ``rg_``)."""
    subprocess.run([str(CLI), "--data-dir", str(data_dir), "apikey", "revoke", key.split("_")[1]], capture_output=True, check=False)


def stop_server(server: subprocess.Popen, timeout: float) -> None:
    """Stop the API server as Ctrl-C would, and wait for it (and its store) to exit."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout)
        except subprocess.TimeoutExpired:
            server.terminate()
            server.wait(60)


def machine_seconds() -> tuple[float, float]:
    """Return the CPU time the machine has spent so far running anything, and the time
    the hypervisor took from it (steal), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def store_pid(data_dir: Path) -> int | None:
    """Return the pid of the data directory's embedded store server, if one is recorded."""
    try:
        return int(json.loads((data_dir / "falkordb" / "server.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


# --- requests ----------------------------------------------------------------------


def request_bytes(port: int, key: str, query: str, variables: dict) -> bytes:
    """Return a complete keep-alive ``POST /graphql`` request."""
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False, separators=(",", ":")).encode()
    head = (f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response with a Content-Length body; return (status, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length) if length else b""


class TimedOut(SystemExit):
    """The server stopped the request at its time limit."""


def call(port: int, key: str, query: str, variables: dict) -> dict:
    """Run one GraphQL request and return its decoded body (used to build the pools);
    stop on an error (``TimedOut`` if the server's time limit stopped it)."""
    async def once() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request_bytes(port, key, query, variables))
            return await read_response(reader)
        finally:
            writer.close()
    status, body = asyncio.run(once())
    answer = json.loads(body)
    errors = answer.get("errors") or []
    if errors and all((e.get("extensions") or {}).get("code") == "TIMEOUT" for e in errors):
        raise TimedOut(f"{status}: {errors}")
    if status != 200 or errors:
        raise SystemExit(f"{status}: {errors}")
    return answer["data"]


def check(port: int, pools: dict[str, list[tuple[str, bytes]]]) -> None:
    """Send the first requests of each pool once; stop unless each answers data (not null)."""
    async def once(request: bytes) -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request)
            return await read_response(reader)
        finally:
            writer.close()
    for name, pool in pools.items():
        for _, request in pool[:20]:
            status, body = asyncio.run(once(request))
            answer = json.loads(body)
            if status != 200 or answer.get("errors") or not answer.get("data") or answer["data"].get(name) is None:
                raise SystemExit(f"{name}: {status} {body[:500]!r}")


def key_targets(port: int, officer: str, kind: str, patience: float = 900.0) -> list[str]:
    """Return the ids of the riskiest ``KEY_TARGETS`` entities of ``kind``; asked again
    for up to ``patience`` seconds while the server times the request out (after a start
    on a large store, officers' requests queue behind the investigation worker building
    its name index: minutes at 2.7 million declarations). The wait is printed."""
    started = time.monotonic()
    while True:
        try:
            data = call(port, officer, KEY_TARGETS_QUERY, {"k": kind, "n": KEY_TARGETS})
            break
        except TimedOut:
            if time.monotonic() - started > patience:
                raise
            time.sleep(5)
    if time.monotonic() - started > 1:
        print(f"keyTargets({kind}) answered after {time.monotonic() - started:.0f} s", flush=True)
    return [e["node"]["id"] for e in data["keyTargets"]["edges"]]


def read_sample(path: Path) -> list[dict]:
    """Return the declarations of ``path`` (contract CSV) as dicts of non-empty cells."""
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: v for k, v in row.items() if v} for row in csv.DictReader(f)]


def declaration_input(row: dict) -> dict:
    """Return a contract row as a GraphQL ``DeclarationInput`` (camelCase, lists, numbers)."""
    out: dict = {}
    for column, value in row.items():
        if column in NOT_INPUT:
            continue
        head, *rest = column.split("_")
        name = head + "".join(w.capitalize() for w in rest)
        if column in LISTS:
            out[name] = [v for v in value.split(";") if v]
        elif column in FLOATS:
            out[name] = float(value)
        else:
            out[name] = value
    return out


def world_ids(world: Path, name: str, column: str) -> list[str]:
    """Return one column of a world CSV file."""
    with open(world / name, newline="", encoding="utf-8") as f:
        return [row[column] for row in csv.DictReader(f)]


def build_pools(port: int, keys: dict[str, str], world: Path, sample: list[dict], rng: random.Random) -> dict[str, list[bytes]]:
    """Return ``POOL`` prepared requests per operation (see the module docstring), and the
    investigators' worst cases when ``keys`` has an investigator key."""
    hot = {kind: key_targets(port, keys["officer"], kind) for kind in ("ENTERPRISE", "AGENT", "PERSON")}
    enterprises = world_ids(world, "enterprises.csv", "tax_code")
    triples = [(d["trader_tax_code"], d.get("agent_code"), d.get("declarant_id")) for d in sample]

    def pick(kind: str, ordinary: str | None) -> str:
        return rng.choice(hot[kind]) if ordinary is None or rng.random() < 0.5 else ordinary

    risk, assess, dossier, investigation = [], [], [], []
    if "investigator" in keys:
        top = hot["ENTERPRISE"]
        for i in range(64):  # paths between the top key targets, and their neighbourhoods
            a, b = top[i % 8], top[8 + i]
            investigation.append(request_bytes(port, keys["investigator"], CONNECTION, {"a": a, "b": b}))
            investigation.append(request_bytes(port, keys["investigator"], NEIGHBOURHOOD, {"id": b}))
    for _ in range(POOL):
        trader, agent, person = rng.choice(triples)
        refs = [{"kind": "ENTERPRISE", "id": pick("ENTERPRISE", trader)}, {"kind": "AGENT", "id": pick("AGENT", agent)},
                {"kind": "PERSON", "id": pick("PERSON", person)}]
        risk.append(("entityRisk", request_bytes(port, keys["clearance"], ENTITY_RISK, {"refs": refs})))
        assess.append(("assessDeclaration", request_bytes(port, keys["clearance"], ASSESS, {"d": declaration_input(rng.choice(sample))})))
        dossier.append(("dossier", request_bytes(port, keys["officer"], DOSSIER,
                                                 {"k": "ENTERPRISE", "id": pick("ENTERPRISE", rng.choice(enterprises))})))
    return {"entityRisk": risk, "assessDeclaration": assess, "dossier": dossier, "investigation": investigation}


# --- the load ----------------------------------------------------------------------


class Connection:
    """One keep-alive connection to a server; reconnects after a broken one."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes, errors: list[str]) -> tuple[int, bytes] | None:
        """Send ``request`` and return (status, body), or None (recorded in ``errors``) if
        the connection broke."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(request)
        try:
            return await read_response(self.reader)
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            errors.append(f"connection: {e!r}")
            self.writer.close()
            self.reader = self.writer = None
            return None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def record(name: str, answer: tuple[int, bytes], took: float, latencies: dict[str, list[float]], errors: list[str]) -> None:
    status, body = answer
    latencies.setdefault(name, []).append(took)
    if status != 200 or b'"errors"' in body:
        errors.append(f"{status}: {body[:300].decode(errors='replace')}")


async def worker(port: int, pool: list[tuple[str, bytes]], start: float, stop: float, seed: int, latencies: dict[str, list[float]],
                 errors: list[str]) -> None:
    """Closed loop: send requests from ``pool`` one after another on one connection until
    ``stop``; record the latency of those sent after ``start``."""
    rng = random.Random(seed)
    connection = Connection(port)
    clock = time.perf_counter
    try:
        while (t0 := clock()) < stop:
            name, request = rng.choice(pool)
            answer = await connection.exchange(request, errors)
            if answer is not None and t0 >= start:
                record(name, answer, clock() - t0, latencies, errors)
    finally:
        connection.close()


async def load(ports: list[int], pool: list[tuple[str, bytes]], concurrency: int, warmup: float,
               seconds: float) -> tuple[dict[str, list[float]], list[str], float]:
    """Run ``concurrency`` closed-loop workers, spread over the servers on ``ports``;
    return latencies, errors and the measured span."""
    now = time.perf_counter()
    start, stop = now + warmup, now + warmup + seconds
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    await asyncio.gather(*(worker(ports[i % len(ports)], pool, start, stop, i, latencies, errors) for i in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


async def open_load(ports: list[int], pool: list[tuple[str, bytes]], rate: float, connections: int, warmup: float, seconds: float,
                    seed: int) -> tuple[dict[str, list[float]], list[str], float]:
    """Open loop: requests arrive at ``rate`` per second (Poisson arrivals) whatever the
    answers, and are sent on the first free of ``connections`` connections. A request's
    latency runs from its arrival, so the time it waits for a free connection counts
    (no coordinated omission). Return latencies, errors and the measured span."""
    rng = random.Random(seed)
    clock = time.perf_counter
    now = clock()
    start, stop = now + warmup, now + warmup + seconds
    arrivals: asyncio.Queue = asyncio.Queue()
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []

    async def arrive() -> None:
        t = clock()
        while t < stop:
            t += rng.expovariate(rate)
            if t - clock() > 0:
                await asyncio.sleep(t - clock())
            arrivals.put_nowait((t, rng.choice(pool)))
        for _ in range(connections):
            arrivals.put_nowait(None)

    async def serve(port: int) -> None:
        connection = Connection(port)
        try:
            while (item := await arrivals.get()) is not None:
                t, (name, request) = item
                answer = await connection.exchange(request, errors)
                if answer is not None and t >= start:
                    record(name, answer, clock() - t, latencies, errors)
        finally:
            connection.close()

    await asyncio.gather(arrive(), *(serve(ports[i % len(ports)]) for i in range(connections)))
    return latencies, errors, clock() - start


async def investigate(ports: list[int], pool: list[bytes], workers: int, stop: float) -> dict:
    """Closed loop of ``workers`` investigators sending worst-case requests of ``pool`` until
    ``stop``; return how many ended, how many by TIMEOUT, and their latencies (ms)."""
    latencies: list[float] = []
    codes: dict[str, int] = {}
    errors: list[str] = []

    async def one(i: int) -> None:
        rng, connection = random.Random(i), Connection(ports[i % len(ports)])
        try:
            while (t0 := time.perf_counter()) < stop:
                answer = await connection.exchange(rng.choice(pool), errors)
                latencies.append(time.perf_counter() - t0)
                if answer is not None:
                    for code in {e.get("extensions", {}).get("code") for e in json.loads(answer[1]).get("errors", [])}:
                        codes[code] = codes.get(code, 0) + 1
        finally:
            connection.close()

    await asyncio.gather(*(one(i) for i in range(workers)))
    latencies.sort()
    return {"workers": workers, "requests": len(latencies), "error_codes": codes, "connection_errors": len(errors),
            **{f"p{p}_ms": round(percentile(latencies, p), 1) for p in (50, 99)},
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else None}


async def health(port: int, stop: float) -> dict:
    """Ask ``/healthz`` twice a second until ``stop`` on a connection of its own; return
    its latencies (ms) and the statuses it gave."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    while (t0 := time.perf_counter()) < stop:
        status, body = await _get(port, "/healthz")
        latencies.append(time.perf_counter() - t0)
        said = json.loads(body).get("status", str(status)) if body else str(status)
        statuses[said] = statuses.get(said, 0) + 1
        await asyncio.sleep(0.5)
    latencies.sort()
    return {"requests": len(latencies), "statuses": statuses, "p99_ms": round(percentile(latencies, 99), 1),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else None}


NEIGHBOURS = {
    "cpu": "while True: pass",
    # random increments over 1 GiB: what a graph traversal does to the caches and the memory bus
    "memory": "import numpy as np\na = np.zeros(1 << 27, dtype=np.int64)\nr = np.random.default_rng(0)\n"
              "while True:\n    a[r.integers(0, a.size, 1 << 20)] += 1",
}


@contextlib.contextmanager
def neighbour(kind: str):
    """Run a loop of ``NEIGHBOURS[kind]`` at SCHED_IDLE pinned to the last CPU while the
    block runs: it takes only time no other process wants, so what it still costs the
    load is what sharing the machine costs (caches, memory, clock), not scheduling."""
    def lowest() -> None:
        os.sched_setaffinity(0, {os.cpu_count() - 1})
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))

    loop = subprocess.Popen([sys.executable, "-c", NEIGHBOURS[kind]], preexec_fn=lowest)
    try:
        time.sleep(2.0)  # the memory loop's array is allocated
        yield
    finally:
        loop.kill()
        loop.wait()


def percentile(ordered: list[float], p: float) -> float:
    """Return the nearest-rank ``p``-th percentile of sorted values, in ms."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))] * 1000


def run_op(name: str, ports: list[int], pool: list[tuple[str, bytes]], args: argparse.Namespace, pids: dict[str, list[int]],
           investigation: list[bytes] | None = None) -> dict:
    """Load one operation (or a mix: ``pool`` holds each request with its operation's
    name) and return its figures, per operation for a mix; with ``investigation``, while
    ``args.investigators`` investigators send those requests from the start of the warm-up.
    The API servers' and the store's resident memory is read every 10 s."""
    cpu0 = {who: sum(map(cpu_seconds, some)) for who, some in pids.items()}
    own0, (busy0, steal0) = time.process_time(), machine_seconds()
    memory: list[dict] = []

    async def watch(stop: float) -> None:
        t0 = time.perf_counter()
        while (now := time.perf_counter()) < stop:
            memory.append({"s": round(now - t0), **{who: [status_mb(pid, "VmRSS:") for pid in some] for who, some in pids.items()}})
            await asyncio.sleep(min(10.0, max(0.0, stop - now)))

    async def both():
        stop = time.perf_counter() + args.warmup + args.seconds
        # --apart: the investigators on the last server only, the load on the others
        theirs, ours = (ports[-1:], ports[:-1]) if args.apart and len(ports) > 1 else (ports, ports)
        side = investigate(theirs, investigation, args.investigators, stop) if investigation else asyncio.sleep(0, None)
        main = (open_load(ours, pool, args.rate, args.concurrency, args.warmup, args.seconds, args.seed) if args.rate
                else load(ours, pool, args.concurrency, args.warmup, args.seconds))
        return await asyncio.gather(main, side, health(ports[0], stop), watch(stop))

    (latencies, errors, span), investigators, healthz, _ = asyncio.run(both())
    whole = args.warmup + span
    cpu = {who: round((sum(map(cpu_seconds, some)) - cpu0[who]) / whole * 100) for who, some in pids.items()}
    cpu["generator"] = round((time.process_time() - own0) / whole * 100)
    busy1, steal1 = machine_seconds()
    cpu["machine"] = round((busy1 - busy0) / whole * 100)  # out of os.cpu_count() * 100
    cpu["others"] = cpu["machine"] - cpu["server"] - cpu["worker"] - cpu["store"] - cpu["generator"]  # kernel (loopback), anything else
    cpu["steal"] = round((steal1 - steal0) / whole * 100)  # taken by the hypervisor
    every = sorted(t for some in latencies.values() for t in some)
    figures = {**_figures(every, span), "errors": len(errors), "first_errors": errors[:SHOW_ERRORS], "cpu_pct": cpu}
    if len(latencies) > 1:
        figures["by_operation"] = {op: _figures(sorted(some), span) for op, some in sorted(latencies.items())}
    figures["healthz"] = healthz
    figures["rss_mb"] = memory
    if investigators:
        figures["investigators"] = investigators
    for e in errors[:SHOW_ERRORS]:
        print(f"  {name} error: {e}", file=sys.stderr)
    return figures


def _figures(latencies: list[float], span: float) -> dict:
    return {
        "requests": len(latencies), "seconds": round(span, 1), "per_s": round(len(latencies) / span, 1),
        **{f"p{p}_ms": round(percentile(latencies, p), 1) for p in (50, 90, 99)},
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "mean_ms": round(sum(latencies) / len(latencies) * 1000, 1) if latencies else None,
    }


def commit() -> str:
    """Return the checked-out commit, marked "+changes" if riskgraph/ differs from it."""
    here = Path(__file__).parent
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain", "--", "../riskgraph"], cwd=here, capture_output=True, text=True).stdout.strip()
    return f"{head}+changes" if changed else head


def machine() -> str:
    """Return the machine as the other benchmarks name it."""
    cores = os.cpu_count()
    return f"{platform.machine()}, {cores} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", "--data", dest="data", type=Path, default=OUT / "analyze-data")
    parser.add_argument("--world", type=Path, default=OUT / "world-100000-1")
    parser.add_argument("--sample", type=Path, default=OUT / "assess-sample.csv")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=32, help="workers in a closed loop; with --rate, connections")
    parser.add_argument("--rate", type=float, help="open loop: requests arriving per second (Poisson), latency from arrival")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--ops", nargs="+", choices=("entityRisk", "assessDeclaration", "dossier"),
                        default=["entityRisk", "assessDeclaration", "dossier"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--servers", type=int, default=1, help="API server processes on one store, workers spread over them")
    parser.add_argument("--mix", help="one load of a mix of the operations instead, e.g. entityRisk=70,assessDeclaration=25,dossier=5")
    parser.add_argument("--curve", nargs="+", type=float, metavar="RATE",
                        help="with --mix: the mix at each of these offered rates (requests/s) instead of --rate")
    parser.add_argument("--saturation", action="store_true",
                        help="with --mix: then each of --ops alone in a closed loop at --concurrency (its saturation throughput)")
    parser.add_argument("--investigators", type=int, default=0,
                        help="also run each operation again while N investigators send worst-case connection and neighbourhood requests")
    parser.add_argument("--in-process", action="store_true",
                        help="serve investigators' requests in the API process (riskgraph serve --investigators-in-process)")
    parser.add_argument("--apart", action="store_true",
                        help="with --servers 2 or more, the investigators on the last API process only and the load on the others")
    parser.add_argument("--neighbours", nargs="+", choices=tuple(NEIGHBOURS), default=[],
                        help="also run each operation again beside a process doing nothing but this work on the last CPU, "
                             "at the lowest scheduling class: the floor any arrangement of concurrent work can reach here")
    parser.add_argument("--out", type=Path, default=OUT / "api.json")
    parser.add_argument("--start-timeout", type=float, default=900.0, help="seconds to wait for the store and the server")
    args = parser.parse_args()
    if (args.curve or args.saturation) and not args.mix:
        parser.error("--curve and --saturation go with --mix")
    if args.mix and not (args.rate or args.curve):
        parser.error("--mix needs --rate or --curve (offered requests/s)")

    load_before = os.getloadavg()
    rng = random.Random(args.seed)
    sample = read_sample(args.sample)
    OUT.mkdir(exist_ok=True)
    ports: list[int] = []
    while len(ports) < args.servers:
        port = free_port()
        ports += [] if port in ports else [port]
    t0 = time.monotonic()
    servers: list[subprocess.Popen] = []
    keys: dict[str, str] = {}
    try:
        for i, port in enumerate(ports):  # the first starts the store, the others attach to it
            servers.append(start_server(args.data, port, OUT / f"api-server{i or ''}.log", not args.in_process))
            health = wait_healthy(servers[-1], port, args.start_timeout)
            print(f"server pid {servers[-1].pid} on port {port}, healthy after {time.monotonic() - t0:.0f} s: {health}", file=sys.stderr)
        keys = {role: create_key(args.data, role) for role in ("clearance", "officer", "investigator")[:3 if args.investigators else 2]}
        pools = build_pools(ports[0], keys, args.world, sample, rng)
        investigation = pools.pop("investigation")
        check(ports[0], pools)
        store = store_pid(args.data)
        pids = {"server": [s.pid for s in servers], "worker": [w for s in servers for w in workers_of(s.pid)],
                "store": [store] if store else []}
        ops = {}
        if args.mix:
            shares = {op: int(share) for op, share in (part.split("=") for part in args.mix.split(","))}
            mixed = [request for op, share in shares.items() for request in pools[op][: POOL * share // 100]]
            for rate in args.curve or [args.rate]:
                name = f"mix at {rate:g}/s" if args.curve else "mix"
                args.rate = rate
                print(f"{name} {args.mix}: {args.warmup:g} s warm-up, {args.seconds:g} s at {rate:g} requests/s offered", file=sys.stderr)
                ops[name] = run_op(name, ports, mixed, args, pids)
                print(f"  {json.dumps({k: v for k, v in ops[name].items() if k not in ('first_errors', 'rss_mb')})}", file=sys.stderr)
            # then, with --saturation, each operation alone in a closed loop: its saturation throughput
            args.ops, args.rate = (args.ops, None) if args.saturation else ([], args.rate)
        for name in args.ops:
            how = f"{args.rate:g} requests/s offered on {args.concurrency} connections" if args.rate else f"concurrency {args.concurrency}"
            print(f"{name}: {args.warmup:g} s warm-up, {args.seconds:g} s at {how}", file=sys.stderr)
            ops[name] = run_op(name, ports, pools[name], args, pids)
            print(f"  {json.dumps({k: v for k, v in ops[name].items() if k != 'first_errors'})}", file=sys.stderr)
            for kind in args.neighbours:
                beside = f"{name} beside an idle-class {kind} loop"
                print(f"{beside}: the same load, a {kind} loop at SCHED_IDLE on CPU {os.cpu_count() - 1}", file=sys.stderr)
                with neighbour(kind):
                    ops[beside] = run_op(name, ports, pools[name], args, pids)
                print(f"  {json.dumps({k: v for k, v in ops[beside].items() if k != 'first_errors'})}", file=sys.stderr)
            if args.investigators:
                busy = f"{name} with {args.investigators} investigators"
                print(f"{busy}: the same load, investigators sending worst-case paths and neighbourhoods", file=sys.stderr)
                ops[busy] = run_op(name, ports, pools[name], args, pids, investigation)
                print(f"  {json.dumps({k: v for k, v in ops[busy].items() if k != 'first_errors'})}", file=sys.stderr)
        server_peak = [status_mb(s.pid, "VmHWM:") for s in servers]
        worker_peak = [status_mb(w, "VmHWM:") for w in pids["worker"]]
        store_peak = status_mb(store, "VmHWM:") if store else None
    finally:
        for key in keys.values():
            revoke_key(args.data, key)
        for server in reversed(servers):
            stop_server(server, args.start_timeout)

    out = {
        "date": date.today().isoformat(),
        "machine": machine(),
        "command": " ".join(["bench/api.py", *sys.argv[1:]]),
        "commit": commit(),
        "data_dir": str(args.data),
        "analysis": health,
        "load_average_before": [round(v, 2) for v in load_before],
        "concurrency": args.concurrency, "offered_per_s": args.rate, "warmup_s": args.warmup, "seconds": args.seconds, "servers": args.servers,
        "loop": f"server: uvicorn, {'uvloop' if importlib.util.find_spec('uvloop') else 'asyncio'} loop; generator: asyncio",
        "operations": ops,
        "server_peak_rss_mb": server_peak if args.servers > 1 else server_peak[0],
        "worker_peak_rss_mb": worker_peak,
        "store_peak_rss_mb": store_peak,
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps(out, indent=1, ensure_ascii=False))
    print(f"\n{'operation':<18} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'req/s':>8} {'errors':>7}")
    for name, f in ops.items():
        print(f"{name:<18} {f['p50_ms']:>8} {f['p90_ms']:>8} {f['p99_ms']:>8} {f['max_ms']:>8} {f['per_s']:>8} {f['errors']:>7}")
        for op, g in f.get("by_operation", {}).items():
            print(f"  {op:<16} {g['p50_ms']:>8} {g['p90_ms']:>8} {g['p99_ms']:>8} {g['max_ms']:>8} {g['per_s']:>8}")
    print(f"API server peak RSS {', '.join(map(str, server_peak))} MB, store peak RSS {store_peak} MB")


if __name__ == "__main__":
    main()
