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


def test_analyze_key_targets_networks_assess_and_backtest_from_the_command_line(tmp_path):
    import json

    from tests.conftest import ROOT, SMALL_WORLD

    data = tmp_path / "data"
    try:
        assert _run(data, *["ingest", str(SMALL_WORLD)]).returncode == 0
        result = _run(data, *["analyze", "--as-of", "2024-07-01"])
        assert result.returncode == 0, result.stderr
        assert "entities scored" in result.stdout and "suspicious networks" in result.stdout
        targets = _run(data, *["key-targets", "--kind", "enterprise", "--top", "5", "--format", "json"])
        rows = json.loads(targets.stdout)
        assert len(rows) == 5 and rows[0]["reasons"]
        csv_all = _run(data, *["key-targets", "--kind", "agent", "--all", "--format", "csv"]).stdout.splitlines()
        assert csv_all[0] == "entity,score,band" and len(csv_all) > 2
        nets = json.loads(_run(data, *["networks", "--top", "3", "--format", "json"]).stdout)
        assert nets and nets[0]["rank"] == 1
        assessed = _run(data, *["assess", str(SMALL_WORLD / "declarations.csv")])
        assert assessed.returncode == 0
        lines = assessed.stdout.splitlines()
        assert lines[0] == "declaration_no,channel,score,random,reasons" and len(lines) == 3043
        bad = _run(data, *["assess", str(tmp_path / "missing.csv")])
        assert bad.returncode == 1 and "missing.csv" in bad.stderr
        out = tmp_path / "bt"
        bt = _run(data, *["backtest", "--as-of", "2024-07-01", "--horizon", "12m", "--out", str(out),
                   "--baselines", str(ROOT / "bench" / "baselines.py"), "--truth", str(SMALL_WORLD / "ground_truth.json")])
        assert bt.returncode == 0, bt.stderr
        assert "own history only" in bt.stdout and (out / "gains.png").exists()
        assert _run(data, *["backtest", "--as-of", "2024-07-01", "--horizon", "soon"]).returncode == 2
    finally:
        _run(data, "store", "stop")
