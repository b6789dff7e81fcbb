"""The investigation worker: investigators' requests in a process of their own.

A dossier, a path or a link chart of hundreds of nodes keeps the interpreter busy for
hundreds of milliseconds. In the process that answers clearance systems, that work shares
one interpreter lock with theirs, and each clearance answer waits behind it, however low
the investigation thread's priority (measured on the demo world: p99 of ``entityRisk`` at
100 requests/s went from 9.9 ms alone to 32.7-46.1 ms beside four investigators; see
docs/reliability.md). So ``riskgraph serve`` starts one worker process at lower scheduling
priority that serves the same API on a private unix socket, and every API process
forwards the requests of its investigation lane to it, whole, and relays the answer.

The worker authenticates, checks, executes and audits a forwarded request as any API
process would; the client sees no difference but the process that did the work. If the
worker is gone, investigators are answered at once with ``INVESTIGATION_UNAVAILABLE``
while ``serve`` starts it again; clearance never depends on it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from riskgraph.errors import StoreError
from riskgraph.graph.embedded import socket_path
from riskgraph.settings import Settings, environment

log = logging.getLogger("riskgraph.api")
SOCKET = "RISKGRAPH_INVESTIGATION_SOCKET"  # set by `serve` for its API processes, not by users
NICE = 10  # the worker yields the processors to the clearance processes and the store
START_SECONDS = 60.0  # for the worker to answer /healthz (it opens the store and its caches)
RESTART_SECONDS = 1.0  # between a worker's exit and its next start
# The worker keeps an idle connection open far longer than the API process reuses one
# (httpx: 5 s), so it never closes one just as a request goes out on it: with both at 5 s
# that race cost a request under load (503), when the worker's loop ran late.
KEEP_ALIVE_SECONDS = 60
_PR_SET_PDEATHSIG = 1


class Worker:
    """The investigation worker process of one ``serve``: ``start`` runs it and keeps it
    running (started again whenever it exits) until ``stop``."""

    def __init__(self, settings: Settings):
        self.socket = socket_path(settings.data_dir.resolve(), f"investigation-{os.getpid()}.sock")
        self._env = {**{k: v for k, v in os.environ.items() if k != SOCKET}, **environment(settings)}
        self._process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Start the worker and wait until it answers (at most START_SECONDS); raise
        StoreError if it exits first."""
        self._spawn()
        deadline = time.monotonic() + START_SECONDS
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(self.socket)), timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise StoreError(f"the investigation worker exited at start-up with code {self._process.returncode}; "
                                     "its messages are above")
                with contextlib.suppress(httpx.TransportError):
                    client.get("http://investigation/healthz")
                    break
                time.sleep(0.1)
            else:
                log.warning("the investigation worker did not answer within %.0f s; investigators' requests are "
                            "refused until it does", START_SECONDS)
        self._watch = threading.Thread(target=self._supervise, name="riskgraph-investigation-watch", daemon=True)
        self._watch.start()

    def _spawn(self) -> None:
        self.socket.unlink(missing_ok=True)
        # Its own session: Ctrl-C in the terminal reaches `serve`, which stops it last.
        self._process = subprocess.Popen([sys.executable, "-m", "riskgraph.api.investigation", str(self.socket), str(os.getpid())],
                                         env=self._env, stdin=subprocess.DEVNULL, start_new_session=True)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            code = self._process.wait()
            if self._stopping.wait(RESTART_SECONDS):
                return
            log.error("the investigation worker exited with code %s; starting it again", code)
            self._spawn()

    def stop(self) -> None:
        """Stop the worker (SIGTERM, then SIGKILL after 10 s) and its supervision."""
        self._stopping.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self.socket.unlink(missing_ok=True)


class Unavailable(Exception):
    """The worker did not take the request (gone, or starting again)."""


class Forwarder:
    """The API process's side: relays a request to the worker on ``socket`` and returns
    (status, body, content type). Raises Unavailable when it cannot reach the worker and
    httpx.TimeoutException when no answer came within ``timeout`` seconds."""

    def __init__(self, socket: str, timeout: float):
        self.socket = socket
        self._client = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(uds=socket), base_url="http://investigation",
                                         timeout=httpx.Timeout(timeout, connect=1.0))
        self.reached = True  # whether the last request reached the worker

    async def relay(self, body: dict, authorization: str | None) -> tuple[int, bytes, str]:
        headers = {"Accept-Encoding": "identity"}  # the API process compresses what it sends on
        if authorization is not None:
            headers["Authorization"] = authorization
        try:
            answer = await self._client.post("/graphql", json=body, headers=headers)
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as e:
            self.reached = False
            raise Unavailable(str(e)) from None
        self.reached = True
        return answer.status_code, answer.content, answer.headers.get("content-type", "application/json")

    async def close(self) -> None:
        await self._client.aclose()


def _serve(socket: str, parent: int) -> None:
    """The worker's own start: lower priority, gone with `serve`, the API on ``socket``."""
    import uvicorn

    os.nice(NICE)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)  # Linux: die with `serve`
    if os.getppid() != parent:
        return  # `serve` died before the line above
    uvicorn.run("riskgraph.api.app:from_environment", factory=True, uds=socket, log_level="warning", access_log=False,
                timeout_keep_alive=KEEP_ALIVE_SECONDS)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
    Path(sys.argv[1]).unlink(missing_ok=True)
