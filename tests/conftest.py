"""Shared fixtures: an embedded store per test module, a fresh graph per test."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from riskgraph.graph import open_store
from riskgraph.graph.embedded import stop
from riskgraph.ingest.pipeline import ingest
from riskgraph.settings import Settings, load

ROOT = Path(__file__).resolve().parents[1]
SMALL_WORLD = ROOT / "riskgraph" / "synthetic" / "small_world"
_graphs = itertools.count()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedded server for the session, held open by a keeper connection.

    Without the keeper, each test's close would shut the server down (the last one out
    does) and the next test would replay the whole append-only file again.
    """
    path = tmp_path_factory.mktemp("data")
    keeper = open_store(load(env={}, data_dir=path, graph="keeper"))
    yield path
    keeper.close()
    stop((path / "falkordb").resolve())


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Settings for a fresh, empty graph on the session's embedded server."""
    return load(env={}, data_dir=data_dir, graph=f"test{os.getpid()}_{next(_graphs)}")


@pytest.fixture
def store(settings: Settings):
    s = open_store(settings)
    yield s
    s.close()


@pytest.fixture
def write_feed(tmp_path: Path):
    """Write a feed directory from ``{file name: text or bytes}``; return its path."""

    def write(files: dict[str, str | bytes], name: str = "feed") -> Path:
        feed = tmp_path / name
        feed.mkdir(exist_ok=True)
        for file_name, content in files.items():
            target = feed / file_name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return feed

    return write


# A small world loaded once per module into its own graph, for the analysis tests.
@pytest.fixture(scope="module")
def world_settings(data_dir, tmp_path_factory):
    settings = load(env={}, data_dir=data_dir, graph=f"world{os.getpid()}_{tmp_path_factory.mktemp('w').name}")
    store = open_store(settings)
    ingest(store, SMALL_WORLD, tmp_path_factory.mktemp("runs"))
    store.ensure_schema()
    store.close()
    return settings


@pytest.fixture
def world(world_settings):
    s = open_store(world_settings)
    yield s
    s.close()
