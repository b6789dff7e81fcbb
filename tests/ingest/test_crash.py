"""Killing a load half-way and running it again gives exactly the uninterrupted graph."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from riskgraph.graph import open_store
from riskgraph.graph.digest import canonical_lines, graph_digest
from riskgraph.ingest.pipeline import ingest
from riskgraph.settings import load
from riskgraph.synthetic import generate
from tests.ingest.helpers import count


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("world")
    generate(path, 1200, 11)
    return path


def _ingest_cli(settings, feed, runs):
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(settings.data_dir), "RISKGRAPH_GRAPH": settings.graph, "RISKGRAPH_BATCH_SIZE": "500"}
    return subprocess.Popen([sys.executable, "-m", "riskgraph.cli", "ingest", str(feed)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def test_sigkill_in_the_middle_then_rerun_equals_an_uninterrupted_load(settings, world, tmp_path):
    clean = open_store(load(env={}, data_dir=settings.data_dir, graph=settings.graph + "_clean"))
    try:
        report = ingest(clean, world, tmp_path / "clean-runs", batch_size=500)
        assert report.rejected == 0
        expected = graph_digest(clean)
        expected_lines = canonical_lines(clean)
    finally:
        clean.close()

    watcher = open_store(settings)
    try:
        proc = _ingest_cli(settings, world, tmp_path)
        deadline = time.monotonic() + 120
        while count(watcher, "Declaration") < 2000:  # well into the declarations file
            assert proc.poll() is None, "the load finished before it could be killed; use a bigger world"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        interrupted = count(watcher, "Declaration")
        assert 0 < interrupted < report.files[5].loaded
        assert graph_digest(watcher) != expected

        again = _ingest_cli(settings, world, tmp_path)
        out, _ = again.communicate(timeout=300)
        assert again.returncode == 0, out
        assert "resumed" in out
        if graph_digest(watcher) != expected:
            got = canonical_lines(watcher)
            missing = sorted(set(expected_lines) - set(got))[:5]
            extra = sorted(set(got) - set(expected_lines))[:5]
            pytest.fail(f"graphs differ\nonly in the clean load: {[m[-200:] for m in missing]}\nonly after the rerun: {[e[-200:] for e in extra]}")
    finally:
        watcher.close()
