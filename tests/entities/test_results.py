"""Writing an analysis back, replacing it atomically, and what units read from it."""

from __future__ import annotations

import json
from datetime import date

import pytest

from riskgraph import entities as outputs
from riskgraph.channels import LANES, Assessor, Policy
from riskgraph.dates import now
from riskgraph.entities import results
from riskgraph.entities.analysis import analyze
from riskgraph.errors import ConfigError, FeedError, QueryError
from riskgraph.ingest.declaration_file import read_declarations as read
from tests.conftest import SMALL_WORLD


@pytest.fixture(scope="module")
def saved(world_settings):
    from riskgraph.graph import open_store

    store = open_store(world_settings)
    first = results.save(store, analyze(store, date(2024, 7, 1)))
    second_analysis = analyze(store, date(2025, 12, 31))
    second = results.save(store, second_analysis)
    store.close()
    return first, second, second_analysis


def test_a_second_analysis_replaces_the_first_whole(world, saved):
    first, second, analysis = saved
    assert results.current(world)["analysis_id"] == second
    assert world.query("analysis_stale", {"abandoned_before": "9999"}) == []
    everyone = outputs.key_targets(world, "enterprise", None)
    scored = {analysis.label(i): float(analysis.score[i]) for i in analysis.entities() if analysis.projection.kind[i] == 0}
    prior = {analysis.label(i): float(analysis.prior[i]) for i in analysis.entities() if analysis.projection.kind[i] == 0}
    assert {r["entity"] for r in everyone} >= set(scored)  # every enterprise, scored or registered later
    for r in everyone:
        if r["entity"] in scored:
            stored = max(scored[r["entity"]], prior[r["entity"]]) >= results.STORED_FROM or r["band"] != "low"
            assert r["score"] == (round(scored[r["entity"]], 6) if stored else 0.0)
    top = outputs.key_targets(world, "enterprise", 5)
    assert all(t["as_of"] == "2025-12-31" for t in top)


def test_key_targets_come_riskiest_first_with_a_reason(world, saved):
    rows = outputs.key_targets(world, "enterprise", 10)
    assert len(rows) == 10
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert all(r["reason"] for r in rows)
    assert sum(bool(r["name"]) for r in rows) >= 5  # traders known only by reference have no name
    assert rows[0]["band"] in ("high", "critical")


def test_suspicious_networks_have_members_and_glue(world, saved):
    rows = outputs.networks(world, 5)
    assert rows and [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        assert r["size"] == len(r["members"]) >= 3
        assert 0 <= r["risky_members"] <= r["size"] and r["score"] > 0
        assert r["why"]


def test_reading_before_any_analysis_says_what_to_do(store):
    with pytest.raises(QueryError, match="riskgraph analyze"):
        outputs.key_targets(store, "enterprise", 10)
    with pytest.raises(QueryError, match="riskgraph analyze"):
        Assessor(store)


def test_assess_gives_channels_near_the_target_shares(world, saved):
    assessor = Assessor(world, Policy(red_share=0.1, yellow_share=0.2, random_yellow=0.05))
    out = [a for batch in read(SMALL_WORLD / "declarations.csv") for a in assessor.assess(batch, quotas=False)]
    assert len(out) == 2940
    shares = {c: sum(a.channel == c for a in out) / len(out) for c in LANES}
    assert 0.03 < shares["red"] < 0.3
    assert shares["green"] > 0.4
    randoms = [a for a in out if a.random]
    assert randoms and all(a.channel in ("yellow", "red") for a in randoms)
    assert 0.03 < len(randoms) / len(out) < 0.07  # drawn from every declaration, whatever its risk
    again = [a for batch in read(SMALL_WORLD / "declarations.csv") for a in assessor.assess(batch, quotas=False)]
    assert again == out  # the random draw is reproducible
    red = [a for a in out if a.channel == "red"]
    assert all(a.reasons for a in red)


def test_assess_refuses_a_bad_row_naming_file_and_line(world, saved, tmp_path):
    bad = tmp_path / "declarations.csv"
    lines = (SMALL_WORLD / "declarations.csv").read_text(encoding="utf-8").splitlines()[:3]
    lines[2] = lines[2].replace(",import,", ",imp0rt,", 1)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FeedError, match=r"declarations.csv:3: direction"):
        list(read(bad))


def test_policy_rejects_impossible_shares():
    with pytest.raises(ConfigError, match="add up to 1.21, more than 1"):
        Policy(red_share=0.7, yellow_share=0.5)


def test_stored_reasons_are_json_with_contributions(world, saved):
    row = outputs.key_targets(world, "enterprise", 1)[0]
    reasons = row["reasons"]
    assert reasons and all({"factor", "contribution", "detail"} <= set(r) for r in reasons)
    assert json.dumps(reasons)


def test_an_unfinished_analysis_is_left_to_its_writer_then_dropped_when_abandoned(store):
    store.query("analysis_start", {"analysis_id": "x", "as_of": "2024-07-01", "model_version": "m", "now": now()}, write=True)
    assert results.drop_stale(store) == 0  # another run may still be writing it
    assert store.query("analysis_stale", {"abandoned_before": "9999"}) == [{"analysis_id": "x"}]
    store.query("analysis_drop", {"analysis_id": "x", "limit": 10}, write=True)
    assert store.query("analysis_stale", {"abandoned_before": "9999"}) == []
