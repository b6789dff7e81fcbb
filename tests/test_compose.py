"""docker-compose.yml: both services have a healthcheck that can pass in its own container."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT

yaml = pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_neo4j_healthcheck_reads_the_password_the_container_has(services, tmp_path):
    neo4j = services["neo4j"]
    kind, command = neo4j["healthcheck"]["test"]
    assert kind == "CMD-SHELL" and "NEO4J_PASSWORD" not in command
    assert neo4j["environment"]["NEO4J_AUTH"].startswith("neo4j/")
    # Run the check as the container would: compose turns $$ into $, the shell expands
    # NEO4J_AUTH; a stand-in cypher-shell prints the arguments it was given.
    fake = tmp_path / "cypher-shell"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "NEO4J_AUTH": "neo4j/pa ss/wörd"}
    done = subprocess.run(["sh", "-c", command.replace("$$", "$")], env=env, capture_output=True, text=True, timeout=10)
    assert done.returncode == 0 and done.stdout.splitlines() == ["-u", "neo4j", "-p", "pa ss/wörd", "RETURN 1"]


def test_riskgraph_healthcheck_asks_healthz_on_the_served_port(services):
    riskgraph = services["riskgraph"]
    assert riskgraph["depends_on"]["neo4j"]["condition"] == "service_healthy"
    kind, program, flag, code = riskgraph["healthcheck"]["test"]
    assert (kind, program, flag) == ("CMD", "python", "-c")  # the image is python:*-slim, without curl
    assert (ROOT / "Dockerfile").read_text().startswith("FROM python:")
    port = riskgraph["command"][riskgraph["command"].index("--port") + 1]
    assert f"http://127.0.0.1:{port}/healthz" in code
    compile(code, "healthcheck", "exec")
