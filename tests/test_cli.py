"""The riskgraph command end to end: generate, demo without serving, store commands."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(data_dir, *args, timeout=300):
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "riskgraph.cli", *args], env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_demo_no_serve_finishes_and_reports(tmp_path):
    done = _run(tmp_path / "data", "demo", "--enterprises", "60", "--seed", "3", "--no-serve")
    assert done.returncode == 0, done.stderr
    assert "0 rows rejected" not in done.stdout and "run 1 loaded" in done.stdout
    assert "Declaration" in done.stdout and str((tmp_path / "data").resolve()) in done.stdout
    runs = _run(tmp_path / "data", "runs")
    assert runs.returncode == 0 and "finished" in runs.stdout
    stopped = _run(tmp_path / "data", "store", "stop")
    assert stopped.returncode == 0


def test_generate_is_deterministic(tmp_path):
    for name in ("a", "b"):
        assert _run(tmp_path, "generate", str(tmp_path / name), "--enterprises", "60", "--seed", "5").returncode == 0
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


def test_too_small_a_world_is_refused_by_the_cli(tmp_path):
    done = _run(tmp_path, "generate", str(tmp_path / "w"), "--enterprises", "5")
    assert done.returncode == 2 and "50" in done.stderr
