"""The worker factory of `riskgraph serve --workers N` opens the store the environment names."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from riskgraph.api.app import from_environment
from riskgraph.entities.analysis import MODEL_VERSION


def test_a_worker_builds_the_api_from_the_environment_and_serves_the_same_graph(api, monkeypatch):
    monkeypatch.setenv("RISKGRAPH_DATA_DIR", str(api.settings.data_dir))
    monkeypatch.setenv("RISKGRAPH_GRAPH", api.settings.graph)
    with TestClient(from_environment()) as client:
        # The first probe may find the store busy while the worker warms its search index.
        give_up = time.monotonic() + 30
        while (health := client.get("/healthz").json())["status"] != "ok" and time.monotonic() < give_up:
            time.sleep(0.1)
        answer = client.post("/graphql", json={"query": "{ entityRisk(refs: []) { id } }"},
                             headers={"Authorization": f"Bearer {api.keys['clearance']}"}).json()
    assert health["store"] is True and health["modelVersion"] == f"{MODEL_VERSION}-priors"
    assert answer == {"data": {"entityRisk": []}}
