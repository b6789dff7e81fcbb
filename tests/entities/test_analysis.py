"""The analysis on the committed small world: scores, reasons, as-of honesty, determinism."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest

from riskgraph.entities.analysis import BAND_SHARES, BANDS, analyze, band
from riskgraph.entities.factors import FACTORS
from riskgraph.entities.projection import forget
from riskgraph.model import ENTITY_KINDS
from riskgraph.model import NODE_KINDS as KINDS
from tests.conftest import SMALL_WORLD

CUTOFF = date(2024, 7, 1)


@pytest.fixture(scope="module")
def result(world_settings):
    from riskgraph.graph import open_store

    store = open_store(world_settings)
    try:
        yield analyze(store, CUTOFF)
    finally:
        store.close()


def test_every_entity_has_a_score_in_unit_interval_and_a_band(result):
    entities = result.entities()
    assert len(entities) > 1000
    kinds = {KINDS[result.projection.kind[i]] for i in entities}
    assert kinds == set(ENTITY_KINDS)
    scores = result.score[entities]
    assert ((scores >= 0) & (scores <= 1)).all()
    assert set(result.band[entities].tolist()) <= set(BANDS)


def test_bands_hold_their_share_of_each_kind_and_no_more(result):
    """Per kind, the top 1% are critical and the top 5% high or critical (ties may add a few),
    and an entity's band is the one its score's floors give."""
    kinds = result.projection.kinds()
    floors = result.thresholds["bands"]
    for k, kind in enumerate(ENTITY_KINDS):
        members = np.flatnonzero(kinds == k)
        banded = result.band[members]
        for name, share in BAND_SHARES:
            above = np.isin(banded, BANDS[: BANDS.index(name) + 1]).sum()
            assert above <= math.ceil(share * len(members)) + (result.score[members] == floors[kind][name]).sum()
        for i in members[:500].tolist():
            assert band(float(result.score[i]), floors[kind]) == result.band[i]
    enterprises = np.flatnonzero(kinds == 0)
    assert (result.band[enterprises] == "critical").sum() >= 1
    assert band(0.0, floors["enterprise"]) == "low" and band(1.0, floors["enterprise"]) == "critical"


def test_reasons_share_out_the_score(result):
    top = result.entities()[np.argsort(-result.score[result.entities()])][:30]
    for i in top:
        reasons = result.reasons(i)
        assert reasons, f"{result.label(i)} scores {result.score[i]:.2f} with no reason"
        total = sum(r.contribution for r in reasons)
        assert total == pytest.approx(result.score[i], rel=1e-6, abs=1e-6)
        assert all(r.factor in {f.name for f in FACTORS} | {"network"} for r in reasons)
        assert reasons == sorted(reasons, key=lambda r: -r.contribution)


def test_network_reasons_name_a_path_to_a_risky_entity(result):
    paths = [(i, p) for i, ps in result.paths.items() for p in ps]
    assert paths
    for i, path in paths[:200]:
        assert path.nodes[0] == i and len(path.nodes) in (2, 3)
        assert result.own[path.nodes[-1]] > 0
        assert path.nodes[-1] != i


def test_planted_schemes_rank_above_the_crowd(result):
    truth = json.loads((SMALL_WORLD / "ground_truth.json").read_text())
    p = result.projection
    members = {m["id"] for s in truth["schemes"] for m in s["members"] if m["kind"] == "enterprise"}
    enterprises = np.array([i for i in p.enterprise])
    is_member = np.array([p.key[i] in members for i in enterprises])
    scores = result.score[enterprises]
    from riskgraph.ranking import roc_auc as _auc

    assert _auc(scores, is_member) > 0.85
    assert np.median(scores[is_member]) > 5 * np.median(scores[~is_member])


def test_nothing_after_the_as_of_date_is_used(result):
    p = result.projection
    day = CUTOFF.isoformat()
    assert all(v["decided_on"] <= day for v in p.violations)
    assert all(r["received_on"] <= day for r in p.intel)
    assert (p.declarations["day"] <= 0).all()
    assert (p.links["last"][p.links["last"] != 1] <= 0).all()
    assert all(e["registered_on"] is None or e["registered_on"] <= day for e in p.enterprise.values())


def test_a_violation_after_the_as_of_date_changes_nothing_one_before_does(store, write_feed, tmp_path):
    from riskgraph.ingest.pipeline import ingest

    world = store
    ingest(world, SMALL_WORLD, tmp_path / "r0")
    target = "0101393847"
    before = analyze(world, CUTOFF)
    i = before.projection.find("enterprise", target)
    header = "violation_id,subject_kind,subject_id,kind,decided_on,severity\n"
    ingest(world, write_feed({"violations.csv": header + f"LATE-1,enterprise,{target},smuggling,2024-07-02,criminal\n"}, "late"), tmp_path / "r1")
    same = analyze(world, CUTOFF)
    assert same.score[i] == before.score[i]
    ingest(world, write_feed({"violations.csv": header + f"EARLY-1,enterprise,{target},smuggling,2024-06-01,criminal\n"}, "early"), tmp_path / "r2")
    after = analyze(world, CUTOFF)
    assert after.score[i] > before.score[i] + 0.2
    assert after.reasons(i)[0].factor == "violations"


def test_the_same_store_and_date_give_the_same_result(world, result):
    again = analyze(world, CUTOFF)
    assert again.projection.key == result.projection.key
    assert np.array_equal(again.score, result.score)
    assert [n.members for n in again.networks] == [n.members for n in result.networks]


def test_an_analysis_without_path_reasons_scores_the_same(world, result):
    bare = analyze(world, CUTOFF, paths=False)
    assert result.paths and not bare.paths
    assert np.array_equal(bare.score, result.score) and np.array_equal(bare.network, result.network)
    assert bare.networks == result.networks


def test_analyses_sharing_their_reads_equal_analyses_reading_alone(world):
    reads: dict = {}
    for day in (date(2024, 5, 31), date(2024, 11, 30), date(2025, 3, 17)):
        shared, alone = analyze(world, day, reads=reads), analyze(world, day)
        assert shared.projection.key == alone.projection.key and shared.projection.kind == alone.projection.kind
        assert np.array_equal(shared.score, alone.score) and np.array_equal(shared.community, alone.community)
        assert shared.networks == alone.networks
    # Only the month that ends mid-month (on 2025-03-17) was read apart from the others.
    months = [params for name, params in reads if name == "analysis_declarations"]
    assert len(months) == len(set(months)) and (("from", "2025-03-01"), ("until", "2025-03-17")) in months


def test_forgetting_the_months_a_later_analysis_does_not_read_changes_nothing(world):
    """A long training window drops the months its later cuts no longer read."""
    reads: dict = {}
    analyze(world, date(2024, 5, 31), history_months=12, reads=reads)
    later = date(2024, 11, 30)
    forget(reads, later, history_months=12)
    for name in ("analysis_declarations", "analysis_declaration_links"):  # 12 months of each before 2024-11
        first = min(dict(params)["from"] for query, params in reads if query == name)
        assert first == "2023-11-01", (name, first)
    assert any(query == "analysis_enterprises" for query, _ in reads)  # the register pages every cut reads stay
    shared, alone = analyze(world, later, history_months=12, reads=reads), analyze(world, later, history_months=12)
    assert np.array_equal(shared.score, alone.score) and shared.networks == alone.networks


def test_known_only_by_reference_counts_only_where_a_register_was_loaded(store, tmp_path):
    """With the enterprise register loaded, a trader missing from it is flagged; a feed of
    declarations alone names every trader by reference, and then nobody is."""
    import csv

    from riskgraph.ingest.pipeline import ingest

    feed = tmp_path / "declarations-only"
    feed.mkdir()
    (feed / "declarations.csv").write_bytes((SMALL_WORLD / "declarations.csv").read_bytes())
    ingest(store, feed, tmp_path / "r0")
    alone = analyze(store, CUTOFF)
    flag = [f.name for f in FACTORS].index("known_only_by_reference")
    assert alone.projection.by_reference and not alone.factors[:, flag].any()

    registered = {r["tax_code"] for r in csv.DictReader((SMALL_WORLD / "enterprises.csv").open(encoding="utf-8"))}
    ingest(store, SMALL_WORLD, tmp_path / "r1")
    loaded = analyze(store, CUTOFF)
    flagged = {loaded.projection.key[i] for i in np.flatnonzero(loaded.factors[:, flag])}
    assert flagged and not flagged & registered
