"""The HTTP side of the API: starlette routes around the GraphQL schema.

``POST /graphql`` runs one GraphQL operation for the holder of an API key; ``GET
/graphql`` is the explorer (GraphiQL, served from the package: nothing is fetched from
the internet); ``GET /`` is the workbench (see ``workbench``); ``GET /healthz`` says
whether the store answers and which analysis is current; ``GET /alerts/stream`` pushes
the monitoring queue's alerts as server-sent events (see ``monitor``). Each request is authenticated,
size-limited, parsed, validated, checked against the caller's role and the query limits,
then executed under a time limit on its lane (``services``): clearance operations on
one, everything else on the investigation lane, so that neither waits for the other.
Under ``riskgraph serve`` the investigation lane's requests go to the investigation worker,
a process of its own (see ``investigation``).
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
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
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
)
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from strawberry.dataloader import DataLoader

from riskgraph.api import access, auth, dossier, explorer, investigation, limits, monitor, risk, search, workbench
from riskgraph.api.feedback import InvalidInput
from riskgraph.api.schema import UserError, schema
from riskgraph.api.services import CLEARANCE, Lane, Services
from riskgraph.channels import LANES, Assessment, Assessor
from riskgraph.channels.monitoring import KINDS
from riskgraph.errors import ConfigError, RiskgraphError, StoreError, StoreTimeout
from riskgraph.graph import Store, open_store
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.memory import settle
from riskgraph.settings import load

log = logging.getLogger("riskgraph.api")
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
# A clearance request hands the interpreter between the event loop and its lane's thread
# several times; while an investigator's thread computes, each handoff waits up to the
# switch interval (5 ms by default).
SWITCH_SECONDS = 0.0005
STREAM_FIELD = "Query.monitoringQueue"  # the alert stream is for whoever may read the queue
UNAUTHENTICATED = auth.Principal(key_id="", name="(unauthenticated)", role="")


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

    def monitored(self, params: dict, assessment: Assessment) -> None:
        """Hand an assessment to the monitoring queue; the answer does not wait for it to be recorded."""
        if self.on_lane:
            self.services.loop.call_soon_threadsafe(self.services.monitoring.assessed, params, assessment, self.principal.name)
        else:
            self.services.monitoring.assessed(params, assessment, self.principal.name)

    async def attempt(self, operation: str, arguments: dict, fn, *args):
        """Run a write; one refused for its input is audited as ``rejected``, then re-raised."""
        try:
            return await self.run(fn, *args)
        except (InvalidInput, ConfigError) as e:
            self.rejected = True
            await self.audit(operation, {**arguments, "refused": str(e)[:200]}, 0, "rejected")
            raise


def create_app(store: Store, *, timeout: float = 10.0, close_store: bool = False, models_dir: Path | None = None,
               investigation_socket: str | None = None, columnar_dir: Path | None = None) -> Starlette:
    """Return the API application over ``store``; ``close_store`` closes it at shutdown;
    assessments use the selectivity models saved in ``models_dir``; the requests of the
    investigation lane go to the worker on ``investigation_socket`` if one is given;
    inspection results recorded go to the columnar copy in ``columnar_dir`` too."""
    services = Services(store, timeout, models_dir, ColumnarCopy(columnar_dir) if columnar_dir else None)
    # The worker answers TIMEOUT at its own deadline; this one covers a worker that hangs.
    worker = investigation.Forwarder(investigation_socket, timeout + 5) if investigation_socket else None

    async def authenticated(presented: str | None, deadline: float) -> auth.Principal | None:
        known, principal = services.keys.remembered(presented)
        if not known:
            principal = await services.clearance.run(services.keys.authenticate, presented, deadline=deadline)
        return principal

    async def unauthenticated(request: Request, presented: str | None, operation: str) -> Response:
        key_id = auth.key_id_of(presented)
        log.warning("refused a request without a valid API key (%s) from %s", key_id or "no key id",
                    request.client.host if request.client else "?")
        try:
            await services.audit(UNAUTHENTICATED, operation, {"key_id": key_id, "key_presented": presented is not None}, 0,
                                 "unauthenticated")
        except RiskgraphError as e:
            log.error("could not audit an unauthenticated %s: %s", operation, e)
        return _errors([("send a valid API key: Authorization: Bearer rg_...", "UNAUTHENTICATED")], 401, {"WWW-Authenticate": "Bearer"})

    async def alert_stream(request: Request) -> Response:
        """Server-sent events: an ``alert`` event per queued declaration with alerts that
        meets the filters (office, gate, lane, kind: query parameters, kind a comma list),
        ``dropped`` when a slow client lost some; audited when opened and when closed."""
        presented = _presented(request)
        try:
            principal = await authenticated(presented, time.monotonic() + services.timeout)
        except StoreError as e:
            return _unavailable(e)
        if principal is None:
            return await unauthenticated(request, presented, "alertStream")
        if not access.allowed(principal.role, STREAM_FIELD):
            await services.audit(principal, "alertStream", {}, 0, "forbidden")
            return _errors([(f"the alert stream needs the role {access.FIELDS[STREAM_FIELD]} or above; this key's is "
                             f"{principal.role}", "FORBIDDEN")], 403)
        filters = _stream_filters(request.query_params)
        if isinstance(filters, Response):
            await services.audit(principal, "alertStream", dict(request.query_params), 0, "refused")
            return filters
        stream = services.monitoring.open(filters)
        await services.audit(principal, "alertStream", {"event": "opened", **filters.described()}, 0)

        async def events():
            try:
                yield ": riskgraph alert stream\n\n"
                while True:
                    try:
                        await asyncio.wait_for(stream.ready.wait(), monitor.KEEPALIVE)
                    except asyncio.TimeoutError:
                        yield ": keep-alive\n\n"  # also how a client gone away is found: the write fails
                        continue
                    for text in stream.take():
                        yield text
            finally:
                services.monitoring.close(stream)
                # Not awaited here: the response is being cancelled, and the entry must still be written.
                closing = asyncio.ensure_future(services.audit(principal, "alertStream", {
                    "event": "closed", **filters.described(), "dropped": stream.dropped}, stream.sent))
                closing.add_done_callback(_audited_close)

        return StreamingResponse(events(), media_type="text/event-stream", headers=HEADERS)

    async def graphql(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(explorer.page(), headers={"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})
        deadline = time.monotonic() + services.timeout
        presented = _presented(request)
        try:
            principal = await authenticated(presented, deadline)
        except StoreError as e:
            return _unavailable(e)

        async def audited(response: JSONResponse, outcome: str, query: str = "", operation: str = "request") -> JSONResponse:
            codes = [e["extensions"]["code"] for e in json.loads(response.body).get("errors", [])]
            try:
                await services.audit(principal, operation, {"query": query[:1000], "codes": codes}, 0, outcome)
            except RiskgraphError as e:  # the answer stands; the server log keeps what the audit log could not
                log.error("could not audit a %s %s: %s", outcome, operation, e)
            return response

        if principal is None:
            return await unauthenticated(request, presented, "request")

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
        if worker is not None and lane is services.investigation:
            try:
                status, content, media = await worker.relay({"query": query, "variables": variables, "operationName": operation},
                                                            request.headers.get("authorization"))
            except investigation.Unavailable as e:
                log.error("the investigation worker did not take a request: %s", e)
                response = _errors([("the investigation worker is starting again; retry in a few seconds",
                                     "INVESTIGATION_UNAVAILABLE")], 503, {"Retry-After": "2"})
                return await audited(response, "error", query, name)
            except httpx.TimeoutException:
                return await audited(_errors([(f"the request took longer than {services.timeout:g} s and was stopped; ask for less",
                                               "TIMEOUT")], 200), "timeout", query, name)
            return Response(content, status, headers=HEADERS, media_type=media)  # audited by the worker
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
        body: dict[str, Any] = {"status": status, "store": status != "down", "waiting": waiting,
                                "investigation": "in process" if worker is None else "worker" if worker.reached else "unreachable"}
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
        sys.setswitchinterval(SWITCH_SECONDS)
        services.loop = asyncio.get_running_loop()
        if worker is None:  # else the worker answers every search
            services.search_index.refresh()
        yield
        services.close()
        if worker is not None:
            await worker.close()
        if close_store:
            store.close()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/graphql/explorer/{name}", asset, methods=["GET"]),
            Route("/", home, methods=["GET"]),
            Route("/workbench/{name}", workbench_asset, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/alerts/stream", alert_stream, methods=["GET"]),
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
                      models_dir=settings.models_dir, columnar_dir=settings.columnar_dir,
                      investigation_socket=os.environ.get(investigation.SOCKET))


def _audited_close(done: asyncio.Future) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("could not audit a closed alert stream: %s", done.exception())


def _stream_filters(params: Any) -> monitor.Filters | Response:
    """Return the filters of an alert stream's query parameters, or the error response."""
    kinds = frozenset(k.strip() for k in params.get("kind", "").split(",") if k.strip())
    lane = params.get("lane") or None
    if not kinds <= set(KINDS):
        return _errors([(f"kind: one or more of {', '.join(KINDS)}, separated by commas", "BAD_USER_INPUT")], 400)
    if lane is not None and lane not in LANES:
        return _errors([(f"lane: one of {', '.join(LANES)}", "BAD_USER_INPUT")], 400)
    return monitor.Filters(params.get("office") or None, params.get("gate") or None, lane, kinds)


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
