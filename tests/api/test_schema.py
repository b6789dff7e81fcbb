"""The committed SDL is the schema the code serves."""

from __future__ import annotations

import difflib
from pathlib import Path

from riskgraph.api.schema import sdl

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = """python -c "from riskgraph.api.schema import sdl; open('schema.graphql','w').write(sdl())\""""


def test_the_committed_schema_is_not_stale():
    committed, served = COMMITTED.read_text(encoding="utf-8"), sdl()
    diff = "".join(difflib.unified_diff(committed.splitlines(True), served.splitlines(True), "schema.graphql", "riskgraph.api.schema.sdl()", n=1))
    assert committed == served, f"schema.graphql is stale; regenerate it from the repository root with\n  {REGENERATE}\n\n{diff[:4000]}"
