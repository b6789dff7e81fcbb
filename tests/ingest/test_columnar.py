"""The columnar copy of declaration attributes: appended by every ingest run and by
inspection results, read back as the graph holds them, found stale when it is not, and
rebuilt from the graph; training gives the same model from it as from the graph."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date

import numpy as np
import pyarrow as pa
import pytest

from riskgraph import declarations as S
from riskgraph.api import feedback
from riskgraph.api.auth import Principal
from riskgraph.declarations import features as F
from riskgraph.declarations import training
from riskgraph.ingest import by_column, columnar, reader
from riskgraph.ingest.columnar import ColumnarCopy
from riskgraph.ingest.pipeline import bulk_ingest, ingest
from riskgraph.ingest.reader import FeedFile
from riskgraph.ingest.validate import Record
from tests.conftest import SMALL_WORLD

AS_OF = date(2025, 12, 31)
TESTER = Principal(key_id="k1", name="tester", role="risk")
SINCE = date(2021, 1, 1)


def _fields(key: str, at: str = "2025-03-04T10:00:00+07:00", result: str = "none", **extra) -> dict:
    row = {c: None for c in columnar.COLUMNS}
    row.update({p: [] for p in columnar.PARTIES}, declaration_no=key, registered_at=at, trader="0100000001",
               hs_codes=["08081000"], inspection_result=result, selection=None, value_usd=10.0, **extra)
    return row


def _row(key: str, **fields) -> tuple:
    row = _fields(key, **fields)
    return tuple(row[c] for c in columnar.COLUMNS)


def _same_declarations(a: F.Declarations, b: F.Declarations) -> None:
    assert a.key.tolist() == b.key.tolist()
    assert np.array_equal(a.time, b.time)
    assert {k: v.tolist() for k, v in a.text.items()} == {k: v.tolist() for k, v in b.text.items()}
    for name in a.number:
        assert np.array_equal(a.number[name], b.number[name], equal_nan=True), name
    assert {k: list(v) for k, v in a.parties.items()} == {k: list(v) for k, v in b.parties.items()}
    for flag in ("inspected", "discrepancy", "random", "cited"):
        assert np.array_equal(getattr(a, flag), getattr(b, flag)), flag


def test_a_later_row_replaces_an_earlier_one_and_a_patch_counts_only_over_rows_written_before_it(tmp_path):
    copy = ColumnarCopy(tmp_path / "columnar" / "g")
    copy.add([_row("A"), _row("B")], seq=10)
    copy.flush()
    copy.patch("A", "2025-03-04", "discrepancy")  # now, after seq 10: applies
    copy.add([_row("B", result="compliant")], seq=20)
    copy.add([_row("C", at="2025-04-01T08:00:00+07:00")], seq=30)
    copy.flush()
    assert copy.stored_months() == ["2025-03", "2025-04"]
    march = copy.month("2025-03")
    assert sorted(zip(march["declaration_no"], march["inspection_result"])) == [("A", "discrepancy"), ("B", "compliant")]
    # A row written after the patch (a feed sending the declaration again) wins over it.
    copy.add([_row("A", result="compliant")])
    copy.flush()
    assert dict(zip(*(copy.month("2025-03")[c] for c in ("declaration_no", "inspection_result"))))["A"] == "compliant"
    # Owner-only, as the snapshots beside it; a torn journal line is skipped.
    folder = tmp_path / "columnar" / "g" / "2025-03"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in folder.iterdir())
    journal = next(folder.glob("outcomes-*.jsonl"))
    with open(journal, "a", encoding="utf-8") as f:
        f.write('{"seq": 99999999999999999999, "declaration_no": "B", "inspect')
    assert len(copy.month("2025-03")["declaration_no"]) == 2
    copy.clear()
    assert copy.stored_months() == [] and copy.month("2025-03")["declaration_no"] == []


def test_the_summary_and_checksum_see_a_changed_outcome_and_not_the_order_of_rows():
    a = {c: [r[c] for r in (_fields("A"), _fields("B", vehicle=["V2", "V1"]))] for c in columnar.COLUMNS}
    b = {c: list(reversed(v)) for c, v in a.items()}
    b["vehicle"] = [["V1", "V2"], []]
    def summary(columns: dict) -> tuple:
        return columnar.summary(columnar.as_table(columns))

    assert summary(a) == summary(b) and columnar.checksum(a) == columnar.checksum(b)
    b["inspection_result"][0] = "discrepancy"
    assert summary(a) != summary(b)
    b["inspection_result"][0] = a["inspection_result"][1]
    b["tax_vnd"] = [1.0, None]  # a field the summary does not count: the checksum sees it
    assert summary(a) == summary(b) and columnar.checksum(a) != columnar.checksum(b)


@pytest.fixture(scope="module")
def loaded(world_settings, tmp_path_factory):
    """The small world's graph and a copy of it rebuilt from the graph, month by month."""
    from riskgraph.graph import open_store

    copy = ColumnarCopy(tmp_path_factory.mktemp("columnar") / "world")
    store = open_store(world_settings)
    for month in columnar.graph_months(store):
        copy.repair(store, month)
    yield store, copy
    store.close()


def test_every_month_rebuilt_from_the_graph_checks_fresh_and_reads_as_the_graph(loaded):
    store, copy = loaded
    checks = copy.check(store, full=True)
    assert checks and all(c.fresh for c in checks)
    assert sum(c.copy[0] for c in checks) == 2940
    _same_declarations(F.from_store(store, SINCE, AS_OF), F.from_store(store, SINCE, AS_OF, copy=copy))
    # A window that cuts months in two reads the same days from both.
    _same_declarations(F.from_store(store, date(2023, 2, 14), date(2023, 5, 9)),
                       F.from_store(store, date(2023, 2, 14), date(2023, 5, 9), copy=copy))


def test_the_model_is_the_same_whether_declarations_come_from_the_copy_or_the_graph(loaded, tmp_path, monkeypatch):
    store, copy = loaded
    monkeypatch.setattr(training, "MIN_DISCREPANCIES", 10)
    kept = tmp_path / "snapshots"
    from_graph = S.train(store, AS_OF, history_months=48, snapshots=kept)
    from_copy = S.train(store, AS_OF, history_months=48, snapshots=kept, copy=copy)
    assert from_copy.version == from_graph.version
    assert ({k: v for k, v in from_copy.metrics.items() if k != "seconds"}
            == {k: v for k, v in from_graph.metrics.items() if k != "seconds"})


def test_a_result_written_to_the_graph_alone_makes_its_month_stale_and_the_read_repairs_it(loaded, capsys):
    store, copy = loaded
    month = next(m for m in copy.stored_months() if copy.month(m)["declaration_no"])
    rows = copy.month(month)
    i = rows["inspection_result"].index("none")
    key, on = rows["declaration_no"][i], rows["registered_at"][i][:10]
    store.query("declaration_inspected", {"declaration_no": key, "result": "discrepancy", "inspected_on": AS_OF.isoformat(),
                                          "run": 0, "now": "2026-01-01T00:00:00+07:00"}, write=True)
    try:
        stale = [c.month for c in copy.check(store) if not c.fresh]
        assert stale == [month]
        table, fresh = copy.read(store, month)
        got = columnar.as_columns(table)
        assert not fresh and got["inspection_result"][got["declaration_no"].index(key)] == "discrepancy"
        assert len(copy.files(month)) == 1  # the month's parts replaced by one
        assert copy.read(store, month)[1]
        # The API tells the copy: it stays fresh.
        assert feedback.record_inspection(store, key, "compliant", AS_OF.isoformat(), None, TESTER, copy) is not None
        assert all(c.fresh for c in copy.check(store, since=date.fromisoformat(on), until=date.fromisoformat(on)))
        assert copy.month(month)["inspection_result"][got["declaration_no"].index(key)] == "compliant"
    finally:
        store.query("declaration_inspected", {"declaration_no": key, "result": "none", "inspected_on": None,
                                              "run": 0, "now": "2026-01-01T00:00:00+07:00"}, write=True)
        copy.repair(store, month)


def test_ingest_appends_new_and_changed_declarations_and_nothing_for_a_feed_sent_again(store, tmp_path, write_feed):
    copy = ColumnarCopy(tmp_path / "columnar")
    ingest(store, SMALL_WORLD, tmp_path / "runs", copy=copy)
    assert all(c.fresh for c in copy.check(store, full=True))
    files = {m: copy.files(m) for m in copy.stored_months()}
    ingest(store, SMALL_WORLD, tmp_path / "runs", copy=copy, force=True)  # every row unchanged
    assert {m: copy.files(m) for m in copy.stored_months()} == files
    # A correction of one declaration: appended, and the copy reads as the graph again.
    with open(SMALL_WORLD / "declarations.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        first = next(reader)
    first.update(value_usd="123456.78", inspection_result="discrepancy", selection="targeted")
    text = io.StringIO()
    writer = csv.DictWriter(text, list(first))
    writer.writeheader()
    writer.writerow(first)
    feed = write_feed({"declarations.csv": text.getvalue()}, "fix")
    ingest(store, feed, tmp_path / "runs", merge=True, copy=copy)
    checks = copy.check(store, full=True)
    assert all(c.fresh for c in checks)
    month = first["registered_at"][:7]
    got = copy.month(month)
    assert got["value_usd"][got["declaration_no"].index(first["declaration_no"])] == 123456.78


def test_a_bulk_load_makes_the_copy_anew_and_an_aborted_one_leaves_it_empty(store, tmp_path):
    copy = ColumnarCopy(tmp_path / "columnar")
    copy.add([_row("STALE")], seq=1)
    copy.flush()
    bulk_ingest(store.bulk(), SMALL_WORLD, tmp_path / "runs", chunk_size=5000, copy=copy)
    checks = copy.check(store, full=True)
    assert all(c.fresh for c in checks) and sum(c.copy[0] for c in checks) == 2940

    class Failing:
        def send(self, chunk):
            raise OSError("lost the server")

        def commit(self):
            raise AssertionError("not reached")

        def abort(self):
            pass

    with pytest.raises(OSError):
        bulk_ingest(Failing(), SMALL_WORLD, tmp_path / "runs2", chunk_size=500, copy=copy)
    assert copy.stored_months() == []


def test_declarations_taken_by_column_give_the_rows_their_records_give(write_feed):
    from tests.ingest.test_by_column import HEADER, PLAIN, TRICKY

    feed = write_feed({"declarations.csv": HEADER + "".join(row + PLAIN.replace("101919436587", f"1019194366{k:02d}")
                                                            for k, row in enumerate(TRICKY))})
    for path in (SMALL_WORLD / "declarations.csv", feed / "declarations.csv"):
        f = FeedFile("declarations", path)
        columns = reader.header(f).columns
        pairs = list(zip(by_column.Blocks.open(f, columns), by_column.Blocks.open(f, columns, as_records=False), strict=True))
        taken = [(record, plain) for (_, record), (_, plain) in pairs if isinstance(plain, by_column.Plain)]
        assert len(taken) > 30 and all(isinstance(record, Record) and record.key == plain.key for record, plain in taken)
        rows = [columnar.row_of_record(record.key, record.params) for record, _ in taken]
        expected = columnar.as_table(dict(zip(columnar.COLUMNS, zip(*rows))))
        got = pa.concat_tables([columnar.table_of_columns(arrays) for arrays in by_column.selected([p for _, p in taken])])
        assert got.equals(expected)
