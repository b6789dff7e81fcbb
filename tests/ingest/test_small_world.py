"""The committed small world loads whole, with its shared identifiers resolved."""

from __future__ import annotations

import csv
import json

from tests.conftest import SMALL_WORLD
from tests.ingest.helpers import count, load


def _rows(kind: str) -> int:
    with open(SMALL_WORLD / f"{kind}.csv", newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def test_the_small_world_loads_without_rejects(store, tmp_path):
    report = load(store, SMALL_WORLD, tmp_path, batch_size=500)
    assert report.rejected == 0
    assert report.ignored == ["ground_truth.json"]
    for kind in ("declarations", "violations", "intel"):
        assert next(f for f in report.files if f.kind == kind).loaded == _rows(kind)
    assert count(store, "Declaration") == _rows("declarations")
    assert count(store, "Violation") == _rows("violations")


def test_shared_identifiers_of_planted_schemes_meet_in_one_node(store, tmp_path):
    load(store, SMALL_WORLD, tmp_path, batch_size=500)
    truth = json.loads((SMALL_WORLD / "ground_truth.json").read_text(encoding="utf-8"))
    checked = 0
    for scheme in truth["schemes"]:
        members = {m["id"] for m in scheme["members"] if m["kind"] == "enterprise"}
        for hub in scheme["hubs"]:
            if hub["kind"] not in ("phone", "address"):
                continue
            holders = {r["id"] for r in store.query("identifier_holders", {"value": hub["id"]}) if r["label"] == "Enterprise"}
            # The feed wrote the hub in several surface forms; normalisation made it one node.
            assert len(holders & members) >= 2, (scheme["id"], hub)
            checked += 1
    assert checked > 0
