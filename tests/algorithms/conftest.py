"""A small world loaded once per module into its own graph, for the analysis tests."""

from __future__ import annotations

import os

import pytest

from riskgraph.graph import open_store
from riskgraph.ingest.pipeline import ingest
from riskgraph.settings import load
from tests.conftest import SMALL_WORLD


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
