"""What every API request shares: the store lanes, keys, caches and the audit writer.

A lane is threads with a store connection of their own, so that work of one kind never
queues behind another's: clearance (what clearance systems wait on), investigation (one
request at a time, at lower priority, executed whole on its own event loop), the audit
journal, the health probe, and the monitoring queue's recording of assessments. Each job runs under the store's time limit for what is
left of its request's deadline.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from graphql import parse, validate

from riskgraph import declarations, entities
from riskgraph.api import audit, auth, limits, monitor, search
from riskgraph.api.schema import UserError, schema
from riskgraph.channels import Assessor, Policy, profiles
from riskgraph.errors import RiskgraphError, StoreTimeout
from riskgraph.graph import Store
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.memory import settle

log = logging.getLogger("riskgraph.api")
CURRENT_SECONDS = 2.0  # how long the current analysis is remembered between reads
PARSED = 512  # parsed and validated documents kept, by query text
CLEARANCE = frozenset({"entityRisk", "entity", "assessDeclaration", "me", "__typename"})  # what clearance systems call
INVESTIGATION_NICE = 10  # the investigation thread yields the processor to the server's loop and clearance
HEALTH_SECONDS = 0.08  # /healthz answers within 100 ms whatever the store does


class Lane:
    """Threads with a store handle of their own: work of one lane never queues behind
    another's. Each job runs under the store's time limit for what is left of its deadline,
    so a job given up on (or started too late) frees the store."""

    def __init__(self, name: str, store: Store, threads: int = 1, nice: int = 0):
        self.name = name
        self.store = store
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"riskgraph-{name}",
                                           initializer=_nice, initargs=(nice,))
        self.waiting = 0  # jobs submitted and not finished
        self._local = threading.local()

    async def run(self, fn, *args, deadline: float | None = None):
        self.waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, self._limited, deadline, partial(fn, *args))
        finally:
            self.waiting -= 1

    def _limited(self, deadline: float | None, job):
        if deadline is None:
            return job()
        with self.store.limited(deadline - time.monotonic()):
            return job()

    async def complete(self, make, deadline: float):
        """Run the coroutine ``make()`` returns to its end on this lane's thread, in an event
        loop of the thread's own: a request that builds a large answer (a link chart of 500
        nodes) computes it there, not on the server's loop, where it would hold up every
        other request for as long."""
        return await self.run(self._until_complete, make, deadline=deadline)

    def _until_complete(self, make):
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
        return loop.run_until_complete(make())

    def close(self) -> None:
        self.executor.submit(self._close_loop).result()
        self.executor.shutdown(wait=True)

    def _close_loop(self) -> None:
        loop = getattr(self._local, "loop", None)
        if loop is not None:
            loop.close()


def _nice(increment: int) -> None:
    """Lower the calling thread's scheduling priority by ``increment`` (Linux: per thread)."""
    if increment and hasattr(os, "setpriority"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + increment)


class Services:
    """What every request shares: the store lanes, keys, caches.

    Six lanes, each with its own store connection: ``clearance`` (keys, the current
    analysis, entityRisk, entity, assessDeclaration: what a clearance system waits on),
    ``investigation`` (everything else: dossiers, paths, lists, search, mutations),
    ``journal`` (audit appends, to the audit graph), ``health`` (/healthz),
    ``monitor`` (assessments recorded in the monitoring queue, at lower priority) and
    ``indexing`` (builds of the search index, at lower priority).
    """

    def __init__(self, store: Store, timeout: float, models_dir: Path | None = None, copy: ColumnarCopy | None = None):
        self.store = store
        self.timeout = timeout
        self.models_dir = models_dir
        self.copy = copy  # the columnar copy of declarations, told of inspection results
        self.clearance = Lane("clearance", store)
        # One investigator's request at a time per process: it may keep a core of the store
        # busy, and on a small machine the clearance reads need the other.
        self.investigation = Lane("investigation", store.clone(), nice=INVESTIGATION_NICE)
        self.journal = Lane("journal", store.clone())
        self.health = Lane("health", store.clone())
        self.monitoring = monitor.Monitor(Lane("monitor", store.clone(), nice=INVESTIGATION_NICE))
        self.keys = auth.Keys(store)
        # The name index is built on a thread of its own: investigation requests do not
        # queue behind a build (20 s at 2.7 million declarations).
        self.indexing = Lane("indexing", store.clone(), nice=INVESTIGATION_NICE)
        self.search_index = search.Index(self.indexing.store, self.indexing.executor)
        self._probe: asyncio.Future | None = None
        self._reviving: asyncio.Future | None = None
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's loop, set at start-up
        self._current: tuple[float, dict | None] = (-CURRENT_SECONDS, None)
        self._assessor: Assessor | None = None
        self._assessor_model: Path | None = None
        self._assessor_building = asyncio.Lock()
        self._model: tuple[float, Path | None, tuple[int, int] | None] = (-CURRENT_SECONDS, None, None)
        self._parsed: OrderedDict[str, tuple[Any, list, limits.Shape | None]] = OrderedDict()
        self._audit_pending: list[tuple[dict, asyncio.Future]] = []
        self._audit_writer: asyncio.Task | None = None

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return self.clearance, self.investigation, self.journal, self.health, self.monitoring.lane, self.indexing

    async def run(self, fn, *args):
        """Run ``fn(*args)`` on the clearance lane, without a deadline (shared caches)."""
        return await self.clearance.run(fn, *args)

    async def audit(self, principal: auth.Principal, operation: str, arguments: dict, result_size: int, outcome: str = "ok") -> None:
        """Append an audit entry; return once it is stored. Entries of concurrent requests
        share one write (group commit): none is lost, and the journal lane writes once per
        batch instead of once per request."""
        waiter = asyncio.get_running_loop().create_future()
        self._audit_pending.append((audit.entry(principal, operation, arguments, result_size, outcome), waiter))
        if self._audit_writer is None or self._audit_writer.done():
            self._audit_writer = asyncio.get_running_loop().create_task(self._write_audit())
        await waiter

    async def _write_audit(self) -> None:
        while self._audit_pending:
            batch, self._audit_pending = self._audit_pending, []
            try:
                await self.journal.run(audit.append_all, self.journal.store, [e for e, _ in batch])
            except Exception as e:  # every request of the batch fails with the store's error
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(e)
            else:
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_result(None)

    async def health_check(self) -> tuple[str, dict | None]:
        """Return ``ok``, ``busy`` (no answer within HEALTH_SECONDS) or ``down`` (the store
        refused, or is being started again), with the current analysis when it answered.
        Never waits longer than HEALTH_SECONDS, and never sends a second probe while one
        is still out."""
        if self._reviving is not None and not self._reviving.done():
            return "down", None  # no probe queued behind the restart
        if self._probe is None or self._probe.done():
            deadline = time.monotonic() + 1.0  # a probe still out after a second is stopped by the store
            self._probe = asyncio.ensure_future(self.health.run(entities.current, self.health.store, deadline=deadline))
        try:
            return "ok", await asyncio.wait_for(asyncio.shield(self._probe), HEALTH_SECONDS)
        except (asyncio.TimeoutError, StoreTimeout):
            return "busy", None
        except RiskgraphError:
            # Gone: start the embedded server again on the health lane; requests meanwhile
            # fail at once with STORE_UNAVAILABLE, and answer again once it is back.
            log.error("the graph store does not answer; starting it again if it is the embedded server")
            self._reviving = asyncio.ensure_future(self.health.run(self.health.store.revive))
            return "down", None

    def close(self) -> None:
        self.search_index.close()
        for lane in self.lanes:
            lane.close()
        for lane in self.lanes:
            if lane.store is not self.store:
                lane.store.close()

    async def current(self) -> dict | None:
        at, found = self._current
        if time.monotonic() - at > CURRENT_SECONDS:
            found = await self.run(entities.current, self.store)
            self._current = (time.monotonic(), found)
        return found

    async def assessor(self) -> Assessor:
        current = await self.current()
        if current is None:
            raise UserError("no analysis in the store yet: run `riskgraph analyze` first", "NO_ANALYSIS")
        at, model, revision = self._model
        if time.monotonic() - at > CURRENT_SECONDS:  # a model trained or a profile edited since is picked up within seconds
            model = declarations.newest_path(self.models_dir, current["as_of"]) if self.models_dir else None
            revision = await self.run(profiles.revision, self.store)
            self._model = (time.monotonic(), model, revision)
        # One build at a time: the requests that find the assessor out of date wait for
        # the one build (about a second on the store thread) instead of each queueing its own.
        async with self._assessor_building:
            if self._assessor is None or (self._assessor.analysis_id, self._assessor_model, self._assessor.profile_revision) != (
                    current["analysis_id"], model, revision):
                self._assessor = await self.run(Assessor, self.store, Policy(), self.models_dir)
                self._assessor_model = model
                settle()  # the model and its tables live until the next analysis or model
            return self._assessor

    def profiles_changed(self) -> None:
        """Build the assessor again at its next use: a risk profile was edited here."""
        self._model = (-CURRENT_SECONDS, None, None)

    def document(self, query: str) -> tuple[Any, list, limits.Shape | None]:
        """Return the parsed document, its schema validation errors and (if valid) its
        shape, cached by query text."""
        found = self._parsed.get(query)
        if found is None:
            document = parse(query, max_tokens=20_000)
            invalid = limits.expansion(document) or validate(schema._schema, document)
            found = (document, invalid, None if invalid else limits.shape(schema._schema, document))
            self._parsed[query] = found
            if len(self._parsed) > PARSED:
                self._parsed.popitem(last=False)
        else:
            self._parsed.move_to_end(query)
        return found
