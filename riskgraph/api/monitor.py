"""Online monitoring (trực ban trực tuyến) in the API: the queue of declarations in
clearance, their alerts (riskgraph.channels.monitoring) and the stream that pushes them.

The queue holds two kinds of declaration, newest first: those assessed through the API
(``assessDeclaration``), one ``QueueEntry`` per assessment in the journal graph, where a
write never holds up the clearance reads of the main graph; and those ingested recently
(``since``): registered since the current analysis' as-of date, what it has not seen yet,
or, if that is later, in the last RECENT_DAYS before the newest registration in the store. Alerts are
decided when a page is read, on what the graph says then; those of an assessment are
decided once more as it is recorded when an open stream may want it, and pushed to every
open stream whose filters it meets.

Recording never slows the clearance answer: the resolver hands the assessment over and
returns; the ``Monitor`` writes what is handed over meanwhile in one batch (group commit)
on a lane of its own.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from riskgraph.channels import Assessment
from riskgraph.channels import monitoring as rules
from riskgraph.dates import VIETNAM
from riskgraph.entities import scores as stored_scores
from riskgraph.errors import RiskgraphError
from riskgraph.graph.store import Store

log = logging.getLogger("riskgraph.api")
HISTORY = 500  # earlier declarations of a trader its usual trade is read from: two years of a weekly importer
PAST = 200  # earlier queue entries of a trader its usual score is read from
BATCH = 100  # declarations read at a time for a page filtered by alert kind
SCAN = 2000  # declarations looked through at most for one page filtered by alert kind; the cursor goes on from there
BUFFER = 100  # events held for a stream client that reads slower than they come; the oldest go first
MAX_PENDING = 10_000  # assessments waiting to be recorded; past that, new ones are logged and not queued
# A week: a declaration still in clearance after it is rare (most clear within the day); the
# window only bounds how far back the queue reaches when the analysis is newer than the feed.
RECENT_DAYS = 7
KEEPALIVE = 15.0  # seconds between comments on a quiet stream, so that proxies keep it open
HISTORY_SECONDS = 300.0  # how long the write path keeps what it read of a trader (Kept)
HISTORY_TRADERS = 5000  # traders whose history it keeps, the most recently assessed
# The writer waits this long for more assessments before it records a batch: an alert
# reaches the stream a fraction of a second after its answer, and under load the
# assessments of that time share one write and one read per trader.
LINGER = 0.2


@dataclass(frozen=True)
class Item:
    """A declaration in the queue, with its alerts."""

    declaration_no: str
    at: str  # when it was assessed, or registered (ingested ones)
    source: str  # "assessed" or "ingested"
    office_code: str | None
    border_gate: str | None
    trader: str
    lane: str | None
    score: float | None
    basis: str | None
    hits: tuple[dict, ...]
    alerts: tuple[rules.Alert, ...]

    def as_json(self) -> dict:
        """The item as the stream sends it: the fields and enum names of the GraphQL QueueItem."""
        return {"declarationNo": self.declaration_no, "at": self.at, "source": self.source.upper(), "office": self.office_code,
                "gate": self.border_gate, "trader": self.trader, "lane": self.lane and self.lane.upper(), "score": self.score,
                "basis": self.basis,
                "hits": [{"profileId": h["profile_id"], "version": h["version"], "lane": h["lane"], "reason": h["reason"]}
                         for h in self.hits],
                "alerts": [{"kind": a.kind.upper(), "sentence": a.sentence} for a in self.alerts]}


@dataclass(frozen=True)
class Filters:
    """What a queue page or a stream is limited to; None or empty: any."""

    office: str | None = None
    gate: str | None = None
    lane: str | None = None
    kinds: frozenset[str] = frozenset()
    source: str | None = None  # "assessed" or "ingested"; the stream's are all assessed

    def admit(self, item: Item) -> bool:
        return ((self.office is None or item.office_code == self.office) and (self.gate is None or item.border_gate == self.gate)
                and (self.lane is None or item.lane == self.lane)
                and (not self.kinds or any(a.kind in self.kinds for a in item.alerts)))

    def may_admit(self, row: dict) -> bool:
        """Whether an item of journal ``row`` may pass, whatever its alerts."""
        return ((self.office is None or row["office_code"] == self.office) and (self.gate is None or row["border_gate"] == self.gate)
                and (self.lane is None or row["lane"] == self.lane))

    def described(self) -> dict:
        return {"office": self.office, "gate": self.gate, "lane": self.lane, "kinds": sorted(self.kinds)}


def entry(params: dict, a: Assessment, by: str, at: str) -> dict:
    """Return the journal row of assessment ``a`` of validated declaration ``params``."""
    p = params["props"]
    partners = params.get("partners") or []
    return {
        "entry_id": f"{at}-{secrets.token_hex(3)}", "declaration_no": a.declaration_no, "at": at,
        "registered_at": p.get("registered_at"), "office_code": p.get("office_code"), "border_gate": p.get("border_gate"),
        "trader": params["trader"], "lane": a.channel, "score": a.score, "basis": a.basis, "assessed_by": by,
        "parties": [f"agent:{k}" for k in params["agents"]] + [f"person:{k}" for k in params["declarants"]]
                   + [f"vehicle:{k}" for k in params["vehicles"]],
        "hits": json.dumps([{"profile_id": h.profile_id, "version": h.version, "lane": h.lane, "reason": h.reason} for h in a.hits],
                           ensure_ascii=False),
        "hs_chapter": ((p.get("hs_codes") or [""])[0])[:2], "origin_country": p.get("origin_country"),
        "partner": partners[0]["key"] if partners else None, "value_usd": p.get("value_usd"),
    }


def trade_history(store: Store, traders: list[str]) -> dict[str, list[dict]]:
    """Return the newest HISTORY declarations of each trader (tax code), newest first.
    Cost: one read, of every declaration of those traders."""
    return {r["trader"]: r["rows"] for r in store.query("queue_history", {"traders": traders, "limit": HISTORY})}


def queue_past(store: Store, traders: list[str]) -> dict[str, list[dict]]:
    """Return the newest PAST queue entries of each trader (tax code), newest first: their
    scores and the trader's score then. Cost: one read of the journal."""
    return {r["trader"]: r["rows"] for r in store.query("queue_trader_past", {"traders": traders, "limit": PAST})}


class Kept:
    """What ``read`` (``trade_history`` or ``queue_past``) returns of each trader, kept
    HISTORY_SECONDS for the assessments recorded meanwhile: a busy trader is read once, not
    per declaration, and its usual trade does not change with the declarations of the
    last minutes. ``remember`` adds what is recorded meanwhile."""

    def __init__(self, read) -> None:
        self.read = read
        self._kept: OrderedDict[str, tuple[float, list[dict]]] = OrderedDict()

    def __call__(self, store: Store, traders: list[str]) -> dict[str, list[dict]]:
        now = time.monotonic()
        missing = [t for t in traders if t not in self._kept or now - self._kept[t][0] > HISTORY_SECONDS]
        found = self.read(store, missing) if missing else {}
        for trader in missing:
            self._kept[trader] = (now, list(found.get(trader, ())))  # none: a new trader
            self._kept.move_to_end(trader)
        while len(self._kept) > HISTORY_TRADERS:
            self._kept.popitem(last=False)
        return {t: self._kept[t][1] for t in traders}

    def remember(self, trader: str, row: dict) -> None:
        """Put ``row`` first among what is kept of ``trader``, if anything is."""
        if trader in self._kept:
            rows = self._kept[trader][1]
            rows.insert(0, row)
            del rows[PAST:]


def record(store: Store, handed: list[tuple[dict, Assessment, str, str]], listening: tuple[Filters, ...] = (),
           history: Kept | None = None, past: Kept | None = None) -> list[Item]:
    """Record assessments (declaration params, assessment, who, when) in the queue; return
    as queue items with their alerts those that one of the ``listening`` streams' filters
    may admit (the others' alerts are decided when the queue is read). ``history`` and
    ``past`` keep what was read of the traders (read afresh without them). Cost: one read
    of the traders' scores and one write, and for the items returned ``alerted``."""
    history, past = history or Kept(trade_history), past or Kept(queue_past)
    rows = [entry(params, a, by, at) for params, a, by, at in handed]
    now = stored_scores(store, sorted({f"enterprise:{r['trader']}" for r in rows}))
    for r in rows:
        r["trader_score"] = now.get(f"enterprise:{r['trader']}", {}).get("score", 0.0)
    heard = [{**r, "source": "assessed"} for r in rows if any(f.may_admit(r) for f in listening)]
    items = alerted(store, heard, history, past) if heard else []
    store.write("queue_append", rows)
    for r in sorted(rows, key=lambda r: r["at"]):
        past.remember(r["trader"], {k: r[k] for k in ("declaration_no", "at", "score", "trader_score")})
    return items


def alerted(store: Store, rows: list[dict], history=trade_history, past=queue_past) -> list[Item]:
    """Return queue rows (as ``queue_assessed`` or ``queue_ingested`` read them) as items
    with their alerts; ``history`` and ``past`` read the traders' trade and queue entries.
    Cost: four reads for the whole list, whatever its length."""
    traders = sorted({r["trader"] for r in rows})
    parties = {r["declaration_no"]: [f"enterprise:{r['trader']}", *(r.get("parties") or [])] for r in rows}
    everyone = sorted({p for ps in parties.values() for p in ps})
    scores = stored_scores(store, everyone)
    watched = {w["entity"]: w["reason"] for w in store.query("watchlist_entries", {"entities": everyone}) if w["removed_at"] is None}
    bands = {e: s["band"] for e, s in scores.items()}
    trade, entries = history(store, traders), past(store, traders)
    items = []
    for r in rows:
        no, trader = r["declaration_no"], r["trader"]
        earlier = [dict(h, hs_chapter=(h.get("hs_codes") or [""])[0][:2]) for h in trade.get(trader, ())
                   if h["declaration_no"] != no and (h["registered_at"] or "") < (r.get("registered_at") or "")]
        before = [q for q in entries.get(trader, ()) if q["declaration_no"] != no and q["at"] < r["at"]]
        hits = tuple(json.loads(r["hits"])) if r.get("hits") else ()
        chapter = r.get("hs_chapter") or ((r.get("hs_codes") or [""])[0])[:2]
        trader_score = r.get("trader_score")
        if trader_score is None:  # an ingested declaration: the trader's score now
            trader_score = scores.get(f"enterprise:{trader}", {}).get("score")
        queued = rules.Queued(
            declaration_no=no, trader=trader, parties=tuple(parties[no]), hs_chapter=chapter, border_gate=r.get("border_gate") or "",
            origin_country=r.get("origin_country") or "", partner=r.get("partner") or "", value_usd=r.get("value_usd"),
            score=r.get("score"), trader_score=trader_score,
            hits=tuple((h["profile_id"], h["version"], h["lane"], h["reason"]) for h in hits))
        usual = rules.history(earlier, [q["score"] for q in before if q["score"] is not None],
                              before[0]["trader_score"] if before else None)
        items.append(Item(no, r["at"], r["source"], r.get("office_code"), r.get("border_gate"), trader, r.get("lane"),
                          r.get("score"), r.get("basis"), hits, rules.alerts(queued, usual, watched, bands)))
    return items


def since(store: Store, as_of: str | None) -> str | None:
    """Return the first registration day of the queue's ingested declarations: the as-of
    date ``as_of`` of the current analysis, or RECENT_DAYS before the newest registration
    if that is earlier; None without an analysis. Cost: a scan of the declarations' dates."""
    newest = store.query("queue_newest")[0]["newest"] if as_of else None
    if not newest:
        return as_of
    return min(as_of, (date.fromisoformat(newest) - timedelta(days=RECENT_DAYS)).isoformat())


def page(store: Store, first: int, after: tuple[str, str] | None, filters: Filters,
         as_of: str | None) -> tuple[list[Item], bool, tuple[str, str] | None]:
    """Return a page of the queue, newest first, after position ``after`` (at, declaration
    number): its items, whether there are more, and the position to go on from; ``as_of``
    is the current analysis' (see ``since``). Filtered by alert kind, it looks through at
    most SCAN declarations (the page may then be short but has a next one). Cost: two reads
    and ``alerted`` per BATCH declarations looked through, and ``since``."""
    found: list[Item] = []
    position, scanned = after, 0
    size = BATCH if filters.kinds else first + 1
    first_day = since(store, as_of)
    while True:
        rows = _merged(store, position, filters, size, first_day)
        for item in alerted(store, rows):
            if len(found) == first:
                return found, True, position
            position = (item.at, item.declaration_no)
            scanned += 1
            if filters.admit(item):
                found.append(item)
        if len(rows) < size:
            return found, False, position
        if scanned >= SCAN:
            return found, True, position


def _merged(store: Store, position: tuple[str, str] | None, filters: Filters, size: int, first_day: str | None) -> list[dict]:
    """Return the next ``size`` rows of both kinds after ``position``, newest first."""
    at, no = position or (None, None)
    params = {"office": filters.office, "gate": filters.gate, "lane": filters.lane, "at": at, "no": no, "limit": size}
    rows = [{**r, "source": "assessed"} for r in store.query("queue_assessed", params)] if filters.source != "ingested" else []
    if first_day is not None and filters.source != "assessed":
        rows += [{**r, "source": "ingested"} for r in store.query("queue_ingested", {**params, "since": first_day})]
    return sorted(rows, key=lambda r: (r["at"], r["declaration_no"]), reverse=True)[:size]


def cursor(position: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(["queue", *position]).encode()).decode()


def position(after: str) -> tuple[str, str] | None:
    """Return the position a cursor of ``cursor`` names, None if it is not one."""
    try:
        tag, at, no = json.loads(base64.urlsafe_b64decode(after.encode()))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    return (at, no) if tag == "queue" and isinstance(at, str) and isinstance(no, str) else None


@dataclass(eq=False)
class Stream:
    """One open stream: its filters and the events not yet sent, at most BUFFER; when a
    client reads slower than events come, the oldest are dropped and counted."""

    filters: Filters
    events: deque = field(default_factory=lambda: deque(maxlen=BUFFER))
    dropped: int = 0  # since the last notice
    sent: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, item: Item) -> None:
        if len(self.events) == BUFFER:
            self.dropped += 1
        self.events.append(item)
        self.ready.set()

    def take(self) -> list[str]:
        """Return the server-sent events due: a notice of what was dropped, then the alerts."""
        out = []
        if self.dropped:
            out.append(_event("dropped", {"dropped": self.dropped, "message": f"{self.dropped} older alerts were dropped: this "
                                          "client read slower than they came; the queue has them all"}))
            self.dropped = 0
        while self.events:
            out.append(_event("alert", self.events.popleft().as_json()))
            self.sent += 1
        self.ready.clear()
        return out


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class Monitor:
    """Records assessments in the queue (group commit on ``lane``) and pushes their alerts
    to the open streams. Lives on the server's event loop."""

    def __init__(self, lane: Any):
        self.lane = lane
        self.history, self.past = Kept(trade_history), Kept(queue_past)  # used on the lane's one thread only
        self.streams: set[Stream] = set()
        self._pending: list[tuple[dict, Assessment, str, str]] = []
        self._writer: asyncio.Task | None = None

    def assessed(self, params: dict, a: Assessment, by: str) -> None:
        """Hand an assessment over to be recorded; returns at once."""
        if len(self._pending) >= MAX_PENDING:
            log.error("the monitoring queue is %d assessments behind; declaration %s is not queued", MAX_PENDING, a.declaration_no)
            return
        self._pending.append((params, a, by, datetime.now(VIETNAM).isoformat(timespec="milliseconds")))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._pending:
            await asyncio.sleep(LINGER)
            batch, self._pending = self._pending, []
            try:
                listening = tuple(stream.filters for stream in self.streams)
                items = await self.lane.run(record, self.lane.store, batch, listening, self.history, self.past)
            except RiskgraphError as e:  # clearance went on; the server log says what the queue lacks
                log.error("could not queue %d assessed declarations (%s...): %s", len(batch), batch[0][1].declaration_no, e)
                continue
            self.publish(items)

    def publish(self, items: Iterable[Item]) -> None:
        for item in items:
            if item.alerts:
                for stream in self.streams:
                    if stream.filters.admit(item):
                        stream.offer(item)

    def open(self, filters: Filters) -> Stream:
        stream = Stream(filters)
        self.streams.add(stream)
        return stream

    def close(self, stream: Stream) -> None:
        self.streams.discard(stream)
