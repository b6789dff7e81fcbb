"""The HTTP side of the API: starlette routes around the GraphQL schema.

``POST /graphql`` runs one GraphQL operation for the holder of an API key; ``GET
/graphql`` is the explorer (GraphiQL, served from the package: nothing is fetched from
the internet); ``GET /`` is the workbench (see ``workbench``); ``GET /healthz`` says
whether the store answers and which analysis is current. Each request is authenticated,
size-limited, parsed, validated, checked against the caller's role and the query limits,
then executed under a time limit.
Errors carry a message and ``extensions.code``, never a stack trace, query text or path.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.dataloader import DataLoader

from riskgraph import declarations, entities
from riskgraph.api import audit, auth, dossier, explorer, limits, risk, search, workbench
from riskgraph.api.feedback import InvalidInput
from riskgraph.api.schema import UserError, schema
from riskgraph.channels import Assessor, Policy
from riskgraph.errors import ConfigError, RiskgraphError, StoreError, StoreTimeout
from riskgraph.graph import Store, open_store
from riskgraph.memory import settle
from riskgraph.settings import load

log = logging.getLogger("riskgraph.api")
CURRENT_SECONDS = 2.0  # how long the current analysis is remembered between reads
PARSED = 512  # parsed and validated documents kept, by query text
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


CLEARANCE = frozenset({"entityRisk", "entity", "assessDeclaration", "me", "__typename"})  # what clearance systems call
SWITCH_SECONDS = 0.0005
INVESTIGATION_NICE = 10  # the investigation thread yields the processor to the server's loop and clearance
HEALTH_SECONDS = 0.08  # /healthz answers within 100 ms whatever the store does
UNAUTHENTICATED = auth.Principal(key_id="", name="(unauthenticated)", role="")


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

    Four lanes, each with its own store connection: ``clearance`` (keys, the current
    analysis, entityRisk, entity, assessDeclaration: what a clearance system waits on),
    ``investigation`` (everything else: dossiers, paths, lists, search, mutations),
    ``journal`` (audit appends, to the audit graph) and ``health`` (/healthz).
    """

    def __init__(self, store: Store, timeout: float, models_dir: Path | None = None):
        self.store = store
        self.timeout = timeout
        self.models_dir = models_dir
        self.clearance = Lane("clearance", store)
        # One investigator's request at a time per process: it may keep a core of the store
        # busy, and on a small machine the clearance reads need the other.
        self.investigation = Lane("investigation", store.clone(), nice=INVESTIGATION_NICE)
        self.journal = Lane("journal", store.clone())
        self.health = Lane("health", store.clone())
        self.keys = auth.Keys(store)
        self.search_index = search.Index(self.investigation.store)
        self._probe: asyncio.Future | None = None
        self._reviving: asyncio.Future | None = None
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's loop, set at start-up
        self._current: tuple[float, dict | None] = (-CURRENT_SECONDS, None)
        self._assessor: Assessor | None = None
        self._assessor_model: Path | None = None
        self._assessor_building = asyncio.Lock()
        self._model: tuple[float, Path | None] = (-CURRENT_SECONDS, None)
        self._parsed: OrderedDict[str, tuple[Any, list, limits.Shape | None]] = OrderedDict()
        self._audit_pending: list[tuple[dict, asyncio.Future]] = []
        self._audit_writer: asyncio.Task | None = None

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return self.clearance, self.investigation, self.journal, self.health

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
        if self._probe is None or self._probe.done():
            deadline = time.monotonic() + 1.0  # a probe still out after a second is stopped by the store
            self._probe = asyncio.ensure_future(self.health.run(entities.current, self.health.store, deadline=deadline))
        if self._reviving is not None and not self._reviving.done():
            return "down", None
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
        at, model = self._model
        if time.monotonic() - at > CURRENT_SECONDS:  # a model trained since is picked up within seconds
            model = declarations.newest_path(self.models_dir, current["as_of"]) if self.models_dir else None
            self._model = (time.monotonic(), model)
        # One build at a time: the requests that find the assessor out of date wait for
        # the one build (about a second on the store thread) instead of each queueing its own.
        async with self._assessor_building:
            if self._assessor is None or (self._assessor.analysis_id, self._assessor_model) != (current["analysis_id"], model):
                self._assessor = await self.run(Assessor, self.store, Policy(), self.models_dir)
                self._assessor_model = model
                settle()  # the model and its tables live until the next analysis or model
            return self._assessor

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


@dataclass
class Context:
    """What a resolver sees as ``info.context``: the caller, the lane its request runs on,
    the request's deadline and the shared services."""

    principal: auth.Principal
    services: Services
    lane: Lane
    deadline: float
    on_lane: bool = False  # the request is executed on its lane's thread and loop
    rejected: bool = False  # a write refused for its input, audited as such already
    _members: DataLoader | None = None

    @property
    def members(self) -> DataLoader:
        """Loads the members of suspicious networks by their labels: one read for all the
        networks a request shows."""
        if self._members is None:
            self._members = DataLoader(load_fn=self._load_members)
        return self._members

    async def _load_members(self, networks: list[tuple[str, ...]]) -> list[list]:
        found = await self.entities([ref for labels in networks for ref in dossier.refs_of(labels)])
        by_label = {f"{e.kind.value}:{e.id}": e for e in found}
        return [[by_label[m] for m in labels if m in by_label] for labels in networks]

    @property
    def store(self) -> Store:
        return self.lane.store

    @property
    def keys(self) -> auth.Keys:
        return self.services.keys

    @property
    def search_index(self) -> search.Index:
        return self.services.search_index

    async def run(self, fn, *args):
        """Run ``fn(*args)`` on the request's lane, its store queries limited to the time left."""
        if self.on_lane:  # the whole request runs on the lane's thread already
            return fn(*args)
        return await self.lane.run(fn, *args, deadline=self.deadline)

    async def _shared(self, coroutine):
        """Await ``coroutine`` of the shared services on the server's loop, where their
        caches, locks and audit writer live."""
        if not self.on_lane:
            return await coroutine
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.services.loop))

    async def current(self) -> dict | None:
        return await self._shared(self.services.current())

    async def assessor(self) -> Assessor:
        return await self._shared(self.services.assessor())

    async def entities(self, refs: list[tuple[str, str]]):
        return await self.run(risk.entities, self.store, refs, await self.current())

    async def audit(self, operation: str, arguments: dict, result_size: int, outcome: str = "ok") -> None:
        await self._shared(self.services.audit(self.principal, operation, arguments, result_size, outcome))

    async def attempt(self, operation: str, arguments: dict, fn, *args):
        """Run a write; one refused for its input is audited as ``rejected``, then re-raised."""
        try:
            return await self.run(fn, *args)
        except (InvalidInput, ConfigError) as e:
            self.rejected = True
            await self.audit(operation, {**arguments, "refused": str(e)[:200]}, 0, "rejected")
            raise


def create_app(store: Store, *, timeout: float = 10.0, close_store: bool = False, models_dir: Path | None = None) -> Starlette:
    """Return the API application over ``store``; ``close_store`` closes it at shutdown;
    assessments use the selectivity models saved in ``models_dir``."""
    services = Services(store, timeout, models_dir)

    async def graphql(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(explorer.page(), headers={"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})
        deadline = time.monotonic() + services.timeout
        presented = _presented(request)
        known, principal = services.keys.remembered(presented)
        if not known:
            try:
                principal = await services.clearance.run(services.keys.authenticate, presented, deadline=deadline)
            except StoreError as e:
                return _unavailable(e)

        async def audited(response: JSONResponse, outcome: str, query: str = "", operation: str = "request",
                          who: auth.Principal | None = None, arguments: dict | None = None) -> JSONResponse:
            codes = [e["extensions"]["code"] for e in json.loads(response.body).get("errors", [])]
            try:
                await services.audit(who or principal, operation, arguments or {"query": query[:1000], "codes": codes}, 0, outcome)
            except RiskgraphError as e:  # the answer stands; the server log keeps what the audit log could not
                log.error("could not audit a %s %s: %s", outcome, operation, e)
            return response

        if principal is None:
            key_id = auth.key_id_of(presented)
            log.warning("refused a request without a valid API key (%s) from %s", key_id or "no key id",
                        request.client.host if request.client else "?")
            response = _errors([("send a valid API key: Authorization: Bearer rg_...", "UNAUTHENTICATED")], 401,
                               {"WWW-Authenticate": "Bearer"})
            return await audited(response, "unauthenticated", operation="request", who=UNAUTHENTICATED,
                                 arguments={"key_id": key_id, "key_presented": presented is not None})

        body = await _body(request)
        if isinstance(body, Response):
            return await audited(body, "refused")
        query, variables, operation = body
        try:
            document, invalid, shape = services.document(query)
        except GraphQLSyntaxError as e:
            return await audited(_errors([(e.message, "GRAPHQL_PARSE_FAILED")], 400), "refused", query)
        selected, fields = _root_fields(document, operation)
        name = ",".join(fields) or "request"
        if invalid:
            return await audited(JSONResponse({"errors": [_format(e) for e in invalid]}, 400, headers=HEADERS), "refused", query, name)
        rejected = limits.check(schema._schema, document, shape, variables, principal.role, operation)
        if rejected:
            forbidden = any(e.extensions.get("code") == "FORBIDDEN" for e in rejected)
            response = JSONResponse({"errors": [_format(e) for e in rejected]}, 200, headers=HEADERS)
            return await audited(response, "forbidden" if forbidden else "refused", query, "denied" if forbidden else name)
        lane = services.clearance if fields and set(fields) <= CLEARANCE else services.investigation
        context = Context(principal, services, lane, deadline, on_lane=lane is services.investigation)

        async def executed():
            done = execute(schema._schema, document, context_value=context, variable_values=variables, operation_name=operation)
            return await done if asyncio.iscoroutine(done) else done

        try:
            running = lane.complete(executed, deadline) if context.on_lane else executed()
            outcome = await asyncio.wait_for(running, max(0.0, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            outcome = None
        payload: dict[str, Any] = {}
        if outcome is None or any(isinstance(e.original_error, StoreTimeout) for e in outcome.errors or ()):
            message = f"the request took longer than {services.timeout:g} s and was stopped; ask for less"
            if selected is not None and selected.operation == OperationType.MUTATION:
                message = (f"the request took longer than {services.timeout:g} s; what it asked for may have been stored: "
                           "retry with the same idempotencyKey, or check before you retry")
            response = _errors([(message, "TIMEOUT")], 200)
            return await audited(response, "timeout", query, name)
        if outcome.errors:
            payload["errors"] = [_format(e) for e in outcome.errors]
        payload["data"] = outcome.data
        response = JSONResponse(payload, headers=HEADERS)
        return await audited(response, "error", query, name) if outcome.errors and not context.rejected else response

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        content = explorer.asset(name)
        if content is None:
            return JSONResponse({"errors": [{"message": "not found", "extensions": {"code": "NOT_FOUND"}}]}, 404)
        return Response(content, media_type=explorer.ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})

    async def home(request: Request) -> Response:
        return HTMLResponse(workbench.page(), headers={**HEADERS, "Content-Security-Policy": workbench.CSP})

    async def workbench_asset(request: Request) -> Response:
        name = request.path_params["name"]
        content = workbench.asset(name)
        if content is None:
            return JSONResponse({"errors": [{"message": "not found", "extensions": {"code": "NOT_FOUND"}}]}, 404)
        return Response(content, media_type=workbench.ASSETS[name], headers={
            "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": workbench.CSP})

    async def healthz(request: Request) -> Response:
        status, current = await services.health_check()
        waiting = {lane.name: lane.waiting for lane in services.lanes}
        body: dict[str, Any] = {"status": status, "store": status != "down", "waiting": waiting}
        if current is not None:
            body.update(analysisId=current["analysis_id"], modelVersion=current["model_version"], asOf=current["as_of"])
        return JSONResponse(body, 503 if status == "down" else 200, headers=HEADERS)

    async def not_found(request: Request, exc: Exception) -> Response:
        return _errors([("not found: the API is at /graphql", "NOT_FOUND")], 404)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return _errors([("method not allowed: POST a GraphQL request to /graphql", "METHOD_NOT_ALLOWED")], 405)

    async def failed(request: Request, exc: Exception) -> Response:
        incident = secrets.token_hex(4)
        log.exception("incident %s: %s %s", incident, request.method, request.url.path)
        return _errors([(f"internal error (incident {incident}); the administrator will find it in the server log", "INTERNAL")], 500)

    @asynccontextmanager
    async def lifespan(app):
        store.ensure_schema()
        settle()
        # A clearance request hands the interpreter between the event loop and its lane's
        # thread several times; while an investigator's thread computes, each handoff
        # waits up to the switch interval (5 ms by default).
        sys.setswitchinterval(SWITCH_SECONDS)
        services.loop = asyncio.get_running_loop()
        warming = asyncio.ensure_future(services.investigation.run(services.search_index.warm))
        warming.add_done_callback(_warmed)
        yield
        if not warming.done():
            warming.cancel()
        services.close()
        if close_store:
            store.close()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/graphql/explorer/{name}", asset, methods=["GET"]),
            Route("/", home, methods=["GET"]),
            Route("/workbench/{name}", workbench_asset, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        middleware=[Middleware(GZipMiddleware, minimum_size=4096)],
        exception_handlers={404: not_found, 405: not_allowed, Exception: failed},
        lifespan=lifespan,
    )


def from_environment() -> Starlette:
    """Return the API over the store the ``RISKGRAPH_*`` environment names: the factory each
    worker process of ``riskgraph serve --workers N`` calls; the store closes at shutdown."""
    settings = load()
    return create_app(open_store(settings), timeout=float(settings.api_timeout), close_store=True,
                      models_dir=settings.models_dir)


def _warmed(done: asyncio.Future) -> None:
    if not done.cancelled() and done.exception() is not None:  # the first search builds it then
        log.warning("the search index was not built at start-up: %s", done.exception())


def _root_fields(document: Any, name: str | None) -> tuple[OperationDefinitionNode | None, list[str]]:
    """Return the operation a (valid) request runs and the names of its top-level fields,
    through fragments. Cost: a walk of the top level."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next((o for o in operations if name is None or (o.name and o.name.value == name)), None)
    if chosen is None:
        return None, []
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    fields, seen, stack = [], set(), list(chosen.selection_set.selections)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            fields.append(node.name.value)
        elif isinstance(node, InlineFragmentNode):
            stack.extend(node.selection_set.selections)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen and node.name.value in fragments:
            seen.add(node.name.value)
            stack.extend(fragments[node.name.value].selection_set.selections)
    return chosen, sorted(set(fields))


def _presented(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("x-api-key")


async def _body(request: Request) -> tuple[str, dict, str | None] | Response:
    """Return (query, variables, operation name) of a JSON request, or the error response."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limits.MAX_BODY):
        return _errors([(f"the request body is over {limits.MAX_BODY:,} bytes", "BODY_TOO_LARGE")], 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.MAX_BODY:
            return _errors([(f"the request body is over {limits.MAX_BODY:,} bytes", "BODY_TOO_LARGE")], 413)
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested thousands deep
        return _errors([("the body is not JSON: send {\"query\": ..., \"variables\": {...}}", "BAD_REQUEST")], 400)
    if not isinstance(body, dict):
        return _errors([("send one operation per request, as a JSON object", "BAD_REQUEST")], 400)
    if _unstorable(body):
        return _errors([("text may not contain NUL characters (\\u0000) or unpaired surrogates (\\ud800-\\udfff)", "BAD_USER_INPUT")], 400)
    query, variables, operation = body.get("query"), body.get("variables") or {}, body.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return _errors([("the body has no \"query\" string", "BAD_REQUEST")], 400)
    if not isinstance(variables, dict) or not (operation is None or isinstance(operation, str)):
        return _errors([("\"variables\" must be an object and \"operationName\" a string", "BAD_REQUEST")], 400)
    return query, variables, operation


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(body: Any) -> bool:
    """Return whether a string of the parsed body (key or value) holds a NUL or an unpaired
    surrogate: neither can be stored, encoded or sent to the store. Cost: one walk of the body."""
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value or (not value.isascii() and _SURROGATE.search(value)):
                return True
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _unavailable(error: StoreError) -> JSONResponse:
    incident = secrets.token_hex(4)
    log.error("incident %s: %s", incident, error)
    return _errors([(f"the graph store could not answer (incident {incident}); try again or tell the administrator",
                     "STORE_UNAVAILABLE")], 503)


def _errors(errors: list[tuple[str, str]], status: int, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"message": m, "extensions": {"code": c}} for m, c in errors]}, status,
                        headers={**HEADERS, **(headers or {})})


def _format(error: GraphQLError) -> dict:
    """Return an error as the client sees it: message, code, where; nothing internal."""
    original = error.original_error
    if original is None:
        message, code = error.message, (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")
    elif isinstance(original, GraphQLError):  # a variable that does not fit its type: the client's to fix
        message, code = error.message, (error.extensions or {}).get("code") or (original.extensions or {}).get("code") or "BAD_USER_INPUT"
    elif isinstance(original, UserError):
        message, code = str(original), original.code
    elif isinstance(original, (InvalidInput, ConfigError)):
        message, code = str(original), "BAD_USER_INPUT"
    elif isinstance(original, StoreError):
        incident = secrets.token_hex(4)
        log.error("incident %s: %s", incident, original)
        message, code = f"the graph store could not answer (incident {incident}); try again or tell the administrator", "STORE_UNAVAILABLE"
    else:
        incident = secrets.token_hex(4)
        log.error("incident %s", incident, exc_info=original)
        message, code = f"internal error (incident {incident}); the administrator will find it in the server log", "INTERNAL"
    out: dict[str, Any] = {"message": message, "extensions": {"code": code}}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = error.path
    return out
