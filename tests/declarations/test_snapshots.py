"""Point-in-time snapshots of entity scores on the small world: a train that computed its
cuts and one that read them give the same model; a damaged snapshot is computed again;
analyze keeps what it stored."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta

import numpy as np
import pytest

from riskgraph import declarations as S
from riskgraph.dates import months_before
from riskgraph.declarations import features as F
from riskgraph.declarations import graph_features, training
from riskgraph.entities import snapshots
from riskgraph.entities.analysis import analyze
from riskgraph.entities.results import save, scores
from riskgraph.graph import open_store

AS_OF = date(2025, 12, 31)


def _same(a: S.Model, b: S.Model) -> None:
    assert a.version == b.version
    assert {k: v for k, v in a.metrics.items() if k != "seconds"} == {k: v for k, v in b.metrics.items() if k != "seconds"}


def test_a_train_reading_its_snapshots_gives_the_model_of_the_train_that_computed_them(world_settings, tmp_path, monkeypatch):
    kept = tmp_path / "snapshots" / "world"
    monkeypatch.setattr(training, "MIN_DISCREPANCIES", 10)
    store = open_store(world_settings)
    try:
        plain = S.train(store, AS_OF, history_months=48)
        first = S.train(store, AS_OF, history_months=48, snapshots=kept)
        files = sorted(kept.glob("cut-*.parquet"))
        assert len(files) == 8  # one per cut: every six months of the four years
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o700 and stat.S_IMODE(os.stat(kept.parent).st_mode) == 0o700
        assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)

        def refuse(*args, **kwargs):
            raise AssertionError("a kept cut was analysed again")

        monkeypatch.setattr(snapshots, "analyze", refuse)
        second = S.train(store, AS_OF, history_months=48, snapshots=kept)
    finally:
        store.close()
    _same(first, second)
    _same(plain, first)  # kept at full precision: the same features as an analysis in process


def test_a_damaged_snapshot_is_computed_again_with_a_warning(world, tmp_path):
    d = F.from_store(world, months_before(AS_OF, 12), AS_OF)
    cuts = [months_before(AS_OF, 12) - timedelta(days=1)]
    before = graph_features.describe(d, world, cuts, snapshots=tmp_path)
    path = snapshots.cut_path(tmp_path, cuts[0], 36)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.warns(snapshots.SnapshotWarning, match="unreadable"):
        again = graph_features.describe(d, world, cuts, snapshots=tmp_path)
    assert all(np.array_equal(before[k], again[k]) for k in F.GRAPH)
    assert len(snapshots.read(path)) > 0 and not list(tmp_path.glob(".*.tmp"))  # rewritten whole, nothing left aside
    assert any(before["graph_trader"] > 0) and any(before["graph_trader_suspicious"] > 0)


def test_a_snapshot_of_another_format_is_not_read(world, tmp_path):
    snapshot, computed = snapshots.cut(world, date(2024, 12, 31), directory=tmp_path)
    assert computed and snapshot.meta["as_of"] == "2024-12-31" and snapshot.meta["source"] == "cut"
    path = snapshots.cut_path(tmp_path, date(2024, 12, 31), 36)
    snapshots.write(snapshots.Snapshot(snapshot.kind, snapshot.key, snapshot.prior * 0, snapshot.network, snapshot.network_rank,
                                       {**snapshot.meta, "format": "snapshot-0"}), path)
    with pytest.warns(snapshots.SnapshotWarning, match="format"):
        again, computed = snapshots.cut(world, date(2024, 12, 31), directory=tmp_path)
    assert computed and np.array_equal(again.prior, snapshot.prior)
    _, computed = snapshots.cut(world, date(2024, 12, 31), directory=tmp_path)
    assert not computed


def test_analyze_keeps_the_scores_it_stored(world, tmp_path):
    a = analyze(world, AS_OF)
    analysis_id = save(world, a)
    snapshots.keep_stored(tmp_path, a, analysis_id, history_months=36)
    kept = snapshots.of_stored(tmp_path, analysis_id)
    assert kept.meta["source"] == analysis_id and kept.meta["rows"] == "stored"
    entities = [f"{k}:{x}" for k, x in zip(kept.kind.tolist(), kept.key.tolist())]
    rows = scores(world, entities)
    assert set(rows) == set(entities)  # every stored row, and only those
    for i, e in enumerate(entities):
        assert (rows[e]["prior"], rows[e]["network"], rows[e]["network_rank"]) == (kept.prior[i], kept.network[i], kept.network_rank[i])
    assert kept.network_rank.max() > 0


def test_drop_removes_the_cuts_before_a_date_and_leaves_the_rest(world, tmp_path):
    for day in (date(2023, 12, 31), date(2024, 12, 31)):
        snapshots.cut(world, day, directory=tmp_path)
    a = analyze(world, AS_OF, paths=False)
    snapshots.keep_stored(tmp_path, a, "2025-12-31-test", history_months=36)
    (tmp_path / "cut-broken.parquet").write_bytes(b"not parquet")
    listed = {p.name: meta for p, meta, _ in snapshots.listed(tmp_path)}
    assert len(listed) == 4 and "error" in listed["cut-broken.parquet"]
    assert snapshots.drop(tmp_path, before=date(2024, 6, 30)) == 1  # the 2023 cut; an unreadable one has no date
    assert snapshots.drop(tmp_path, cuts_only=True) == 2
    assert [p.name for p, _, _ in snapshots.listed(tmp_path)] == ["analysis-2025-12-31-test.parquet"]
