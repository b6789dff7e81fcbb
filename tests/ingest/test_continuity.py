"""A feed from another world is refused unless merged; the same world's feeds load as ever."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from riskgraph.errors import UnrelatedFeed
from riskgraph.graph.digest import graph_digest, nodes
from riskgraph.ingest.continuity import MIN_NAMED, Overlap
from riskgraph.synthetic import generate
from tests.conftest import SMALL_WORLD
from tests.ingest.helpers import count, load

CUT = "2024-07-01"
# The date that puts a row before or after the cut; a file without one goes with the base.
WHEN = {"enterprises": "registered_on", "roles": "since", "declarations": "registered_at", "violations": "decided_on",
        "intel": "received_on"}


def _slice(out: Path, later: bool) -> Path:
    """Write the small world's rows dated before CUT (``later`` False: with every undated
    file) or on and after it (True): a base load and the next months' feed."""
    out.mkdir()
    for source in sorted(SMALL_WORLD.glob("*.csv")):
        kind = source.stem
        if later and kind not in WHEN:
            continue
        with open(source, newline="", encoding="utf-8") as f, open(out / source.name, "w", newline="", encoding="utf-8") as g:
            rows = csv.DictReader(f)
            writer = csv.DictWriter(g, rows.fieldnames, lineterminator="\n")
            writer.writeheader()
            writer.writerows(r for r in rows if kind not in WHEN or ((r[WHEN[kind]] or "")[:10] >= CUT) == later)
    return out


@pytest.fixture(scope="module")
def other_world(tmp_path_factory) -> Path:
    """A world generated with another seed than the small world's."""
    out = tmp_path_factory.mktemp("other") / "world"
    generate(out, 60, 5)
    return out


def test_another_world_is_refused_and_changes_nothing(store, tmp_path, other_world):
    load(store, SMALL_WORLD, tmp_path)
    before = graph_digest(store)
    with pytest.raises(UnrelatedFeed) as refused:
        load(store, other_world, tmp_path)
    message = str(refused.value)
    assert "looks like another world" in message and f"riskgraph ingest --merge {other_world.resolve()}" in message
    assert " are among the 302 of this graph" in message and ", 0 are among" in message
    assert graph_digest(store) == before and count(store, "IngestRun") == 1
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["run-00001"]


def test_another_world_loads_with_merge_and_the_run_says_so(store, tmp_path, other_world):
    load(store, SMALL_WORLD, tmp_path)
    report = load(store, other_world, tmp_path, merge=True)
    assert report.status == "loaded" and report.rejected == 0 and report.written.nodes_created > 0
    merged = {r["props"]["run_id"]: r["props"]["merged"] for r in nodes(store) if r["labels"] == ["IngestRun"]}
    assert merged == {1: False, 2: True}


def test_the_same_world_again_and_its_next_months_load_without_merge(store, tmp_path):
    base, later = _slice(tmp_path / "base", later=False), _slice(tmp_path / "later", later=True)
    assert load(store, base, tmp_path).status == "loaded"
    assert load(store, base, tmp_path).status == "already_loaded"
    assert load(store, base, tmp_path, force=True).status == "loaded"
    report = load(store, later, tmp_path)  # the next 18 months: new registrations, their roles, declarations
    assert report.status == "loaded" and report.rejected == 0
    assert {f.kind for f in report.files if f.loaded} == {"enterprises", "roles", "declarations", "violations", "intel"}


def test_too_few_tax_codes_to_judge_and_an_empty_graph_are_not_refused():
    assert not Overlap(named=MIN_NAMED - 1, known=0, total=300).unrelated
    assert not Overlap(named=500, known=0, total=0).unrelated
    assert Overlap(named=MIN_NAMED, known=1, total=300).unrelated
    assert not Overlap(named=MIN_NAMED, known=2, total=300).unrelated
