"""Crash trials: SIGKILL riskgraph or its store server mid-command, rerun, compare digests.

    PYTHONPATH=. .venv/bin/python bench/crash.py --feed DIR [--work /tmp/crash-trials]
        [--as-of 2025-12-31] [--train-months 24] [--points riskgraph@30 server@60 analyze:server train:riskgraph ...]

Once, uninterrupted, in WORK/clean: ``riskgraph ingest FEED`` (timed), ``analyze --ranker
priors`` twice (the second replaces the first, as a trial's does) and ``train``; their
digests are the reference. Then one trial per fault point, each on its own copy:

- ``riskgraph@T`` / ``server@T``: a fresh load, the riskgraph process or the store
  server SIGKILLed T s in (default T: 15, 50 and 85 % of the uninterrupted load);
- ``analyze:riskgraph`` / ``analyze:server``: on the loaded store holding one analysis,
  ``analyze`` killed once its new analysis is started and not finished (its write);
- ``train:riskgraph`` / ``train:server``: ``train`` killed half-way through its
  uninterrupted time.

After the kill: the server is started again when it was the one killed (``start`` s: the
append-only file's replay), the same command is rerun (``rerun`` s), and the store's
digest (``results.digest``: the canonical digest with the current analysis's id written
``current``, every analysis getting a fresh id, and unfinished analyses left out: readers
never see those, and the first analysis ``results.ABANDONED_AFTER`` later deletes them;
how many nodes there were is printed) is compared with the reference.
Analysis trials also check, before the rerun, that the current analysis is still the
old one, whole. Prints a markdown table; writes bench/out/crash.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from riskgraph.entities import results
from riskgraph.graph import embedded, open_store
from riskgraph.settings import load

OUT = Path(__file__).parent / "out"


@dataclass(frozen=True)
class Trial:
    point: str
    fault: str
    killed_after_s: float
    start_s: float
    rerun_s: float
    recovery_s: float
    digest_equal: bool
    leftover_nodes: int
    note: str


def riskgraph(data_dir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(data_dir)}
    env.pop("RISKGRAPH_FALKORDB_URL", None)
    return subprocess.Popen([sys.executable, "-m", "riskgraph.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, what: str) -> float:
    """Wait for ``proc``; return its wall time from now. Raises SystemExit if it failed."""
    t = time.monotonic()
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{out[-2000:]}")
    return time.monotonic() - t


def server_pid(data_dir: Path) -> int | None:
    state = data_dir / "falkordb" / "server.json"
    try:
        return int(json.loads(state.read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def watcher(data_dir: Path):
    """A store on the running server that is not a riskgraph client: closing it never shuts
    the server down, and the last real client out still does."""
    sock = embedded.socket_path((data_dir / "falkordb").resolve())
    return open_store(load(env={}, falkordb_url=f"unix://{sock}"))


def digest(data_dir: Path) -> tuple[str, int]:
    """Return ``results.digest`` of the store in ``data_dir`` (starting its server if none runs)."""
    store = open_store(load(env={}, data_dir=data_dir))
    try:
        return results.digest(store)
    finally:
        store.close()


def kill(proc: subprocess.Popen, data_dir: Path, target: str) -> bool:
    """SIGKILL the riskgraph process or its store server (waiting for the server to be
    recorded, if it is still starting); return False if ``proc`` ended first."""
    pid = proc.pid if target == "riskgraph" else server_pid(data_dir)
    while pid is None and proc.poll() is None:
        time.sleep(0.02)
        pid = server_pid(data_dir)
    if proc.poll() is not None:
        return False
    os.kill(pid, signal.SIGKILL)
    if target == "server":
        embedded.wait_exit(pid, 30.0)
    proc.communicate()  # the riskgraph process dies of the kill, or fails on the lost store
    return True


def restart(data_dir: Path, target: str) -> float:
    """Start the store server again if it was the one killed; return the seconds it took
    (the append-only file's replay), 0 when the server outlived the riskgraph process."""
    if target != "server":
        return 0.0
    t = time.monotonic()
    embedded.attach_or_start((data_dir / "falkordb").resolve())
    return time.monotonic() - t


def reader_sees(data_dir: Path) -> tuple[str, int] | None:
    """Return what a reader sees as the current analysis: its id and how many scores it
    stored (None without one). Starts the server if none runs."""
    embedded.attach_or_start((data_dir / "falkordb").resolve())
    store = watcher(data_dir)
    try:
        now = results.current(store)
        return (now["analysis_id"], results.stored_scores(store, now["analysis_id"])) if now else None
    finally:
        store.close()


def wait_for_write(proc: subprocess.Popen, data_dir: Path) -> bool:
    """Wait until ``analyze`` has started writing its new analysis; return False if it ended first."""
    store = watcher(data_dir)  # the server runs: reader_sees started it
    try:
        while proc.poll() is None:
            if results.unfinished(store):
                return True
            time.sleep(0.02)
        return False
    finally:
        store.close()


def wait(proc: subprocess.Popen, seconds: float) -> bool:
    """Wait ``seconds`` or until ``proc`` ends; return whether it still runs."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return proc.poll() is None


def copy(src: Path, dst: Path) -> Path:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("falkordb.sock", "server.json", "server.lock"))
    return dst


def trial(point: str, data: Path, commands: dict[str, list[str]], expected: dict[str, str], loaded: Path, train_s: float) -> Trial:
    """Run one fault point (see the module doc) in ``data``; return its outcome."""
    note = ""
    if "@" in point:
        target, at = point.split("@")
        phase, fault = "ingest", f"{target} SIGKILL {at} s into the load"
        shutil.rmtree(data, ignore_errors=True)
        proc = riskgraph(data, *commands[phase])
        t = time.monotonic()
        missed = not wait(proc, float(at))
    else:
        phase, target = point.split(":")
        fault = f"{target} SIGKILL during {phase}" + ("'s write" if phase == "analyze" else "")
        copy(loaded, data)
        before = reader_sees(data) if phase == "analyze" else None
        proc = riskgraph(data, *commands[phase])
        t = time.monotonic()
        missed = not (wait_for_write(proc, data) if phase == "analyze" else wait(proc, train_s / 2))
    missed = missed or not kill(proc, data, target)
    killed_after = time.monotonic() - t
    if missed:
        note = f"{phase} ended before the kill"
        finish(proc, phase)
    start = restart(data, target)
    if phase == "analyze" and not missed:
        after = reader_sees(data)
        note = "readers saw the old analysis whole" if after == before else f"readers saw {after}, not the old {before}"
    rerun = finish(riskgraph(data, *commands[phase]), f"rerun of {phase}")
    got, left_out = digest(data)
    shutil.rmtree(data, ignore_errors=True)
    return Trial(point, fault, round(killed_after, 1), round(start, 1), round(rerun, 1), round(start + rerun, 1),
                 got == expected[phase], left_out, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feed", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/crash-trials"))
    parser.add_argument("--as-of", default="2025-12-31")
    parser.add_argument("--train-months", default="24", help="train's --history-months (small worlds need more for its 200 labels)")
    parser.add_argument("--points", nargs="*", help="riskgraph@S, server@S, analyze:riskgraph, analyze:server, "
                                                    "train:riskgraph, train:server [default: all, the load at 15/50/85 %%]")
    args = parser.parse_args()
    feed, work = args.feed.resolve(), args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    commands = {"ingest": ["ingest", str(feed)], "analyze": ["analyze", "--as-of", args.as_of, "--ranker", "priors"],
                "train": ["train", "--as-of", args.as_of, "--history-months", args.train_months]}

    clean = work / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    load_s = finish(riskgraph(clean, *commands["ingest"]), "uninterrupted load")
    expected = {"ingest": digest(clean)[0]}
    points = args.points or [f"{t}@{round(load_s * f)}" for t in ("riskgraph", "server") for f in (0.15, 0.5, 0.85)] + [
        "analyze:riskgraph", "analyze:server", "train:riskgraph", "train:server"]
    analyze_s = train_s = 0.0
    loaded = work / "loaded"  # where a trial's analyze or train starts: one analysis in
    if any(":" in p for p in points):  # analysis and training references, only when a point needs them
        finish(riskgraph(clean, *commands["analyze"]), "first analysis")
        copy(clean, loaded)
        analyze_s = finish(riskgraph(clean, *commands["analyze"]), "uninterrupted analysis")
        expected["analyze"] = digest(clean)[0]
        trained = copy(loaded, work / "trained")
        train_s = finish(riskgraph(trained, *commands["train"]), "uninterrupted training")
        expected["train"] = digest(trained)[0]
    print(f"uninterrupted: load {load_s:.1f} s, analyze {analyze_s:.1f} s, train {train_s:.1f} s", flush=True)

    trials = []
    for n, point in enumerate(points, 1):
        trials.append(trial(point, work / f"trial-{n}", commands, expected, loaded, train_s))
        print(trials[-1], flush=True)

    print("\n| trial | fault | killed after s | server start s | rerun s | recovery s | digest equal | left-over nodes | note |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, tr in enumerate(trials, 1):
        print(f"| {n} | {tr.fault} | {tr.killed_after_s} | {tr.start_s} | {tr.rerun_s} | {tr.recovery_s} | "
              f"{'yes' if tr.digest_equal else 'NO'} | {tr.leftover_nodes} | {tr.note} |")
    OUT.mkdir(exist_ok=True)
    (OUT / "crash.json").write_text(json.dumps({
        "date": date.today().isoformat(), "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "feed": str(feed), "uninterrupted": {"load_s": round(load_s, 1), "analyze_s": round(analyze_s, 1), "train_s": round(train_s, 1)},
        "reference_digests": expected, "trials": [asdict(tr) for tr in trials]}, indent=1))


if __name__ == "__main__":
    main()
