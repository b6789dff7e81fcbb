"""Reading declarations by column gives, row for row, what reading and validating by row gives."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyarrow as pa
import pytest

from riskgraph.ingest import by_column, reader
from riskgraph.ingest.reader import FeedFile, Problem
from riskgraph.ingest.validate import outcome
from riskgraph.synthetic import generate
from tests.conftest import SMALL_WORLD

HEADER = ("declaration_no,direction,registered_at,office_code,border_gate,trader_tax_code,agent_code,declarant_id,"
          "partner_name,partner_country,origin_country,vehicle_ids,warehouse,hs_codes,goods_description,value_usd,tax_vnd,"
          "net_mass_kg,gross_mass_kg,quantity,channel,inspection_result,selection\n")
PLAIN = ("101919436587,import,2021-01-01T00:12:47+07:00,02B1,Sân bay quốc tế Tân Sơn Nhất,0100233488,DL040156,079178024969,"
         '"Hanil Co., Ltd.",KR,VN,CZ8332;MSCU1234565,0314409058,24022090;85171300,Thuốc lá điếu,232323.68,0,5037,5902.5,'
         "192916,yellow,compliant,targeted\n")


def _by_row(f: FeedFile) -> list:
    rows, _ = reader.rows(f)
    return [_seen(item, None if isinstance(item, Problem) else outcome(f.kind, item[1])) for item in rows]


def _by_column(f: FeedFile) -> tuple[list, int]:
    """The outcomes as ``pipeline`` takes them: by column, then by row from where the blocks stop."""
    head = reader.header(f)
    blocks = by_column.Blocks.open(f, head.columns)
    assert blocks is not None
    got = [_seen(item, result) for item, result in blocks]
    plain = sum(1 for item in got if item[1] is None)
    if blocks.rest is not None:
        rows, _ = reader.rows(f, blocks.rest, head.columns)
        got += [_seen(item, None if isinstance(item, Problem) else outcome(f.kind, item[1])) for item in rows]
    return got, plain


def _seen(item, result):
    """What the pipeline uses of a row: its line, whether it came with values, its text, its outcome."""
    if isinstance(item, Problem):
        return item
    line, values, raw = item
    return line, None if values is None else "values", reader.raw_text(raw), result


def _same(f: FeedFile) -> int:
    """Assert the two readings agree row for row; return how many rows were plain."""
    expected = _by_row(f)
    got, plain = _by_column(f)
    rows = [(e[0], e[2], e[3]) if isinstance(e, tuple) else e for e in expected]
    assert [(g[0], g[2], g[3]) if isinstance(g, tuple) else g for g in got] == rows
    return plain


def test_the_small_world_reads_the_same_and_mostly_by_column(monkeypatch):
    monkeypatch.setattr(by_column, "BLOCK_BYTES", 20_000)  # many blocks
    f = FeedFile("declarations", SMALL_WORLD / "declarations.csv")
    total = sum(1 for _ in open(f.path, encoding="utf-8")) - 1
    assert _same(f) > 0.9 * total


def test_a_generated_world_of_another_seed_reads_the_same(tmp_path):
    world = tmp_path / "world"
    generate(world, 60, 11)
    f = FeedFile("declarations", world / "declarations.csv")
    assert _same(f) > 0


# Rows that are not plain, each beside plain ones: validate decides them, as by row.
TRICKY = [
    PLAIN.replace('"Hanil Co., Ltd."', "O'Brien Trading"),  # a quote: repr writes it otherwise
    PLAIN.replace("Thuốc lá điếu", "back\\slash"),
    PLAIN.replace("Thuốc lá điếu", "\u00a0Thuốc lá"),  # space str.strip removes
    PLAIN.replace("Thuốc lá điếu", "Thuo\u0302\u0301c la\u0301"),  # not NFC
    PLAIN.replace("Thuốc lá điếu", '"tab\there"'),
    PLAIN.replace("Thuốc lá điếu", "zero\u200bwidth"),  # printable? not to Python
    PLAIN.replace("Thuốc lá điếu", "bidi\u202etext"),
    PLAIN.replace("Thuốc lá điếu", "emoji 🚢 ship"),
    PLAIN.replace("232323.68", "0.30000000000000004"),
    PLAIN.replace("232323.68", "12345678901234567890"),
    PLAIN.replace("232323.68", "0.00001"),
    PLAIN.replace("232323.68", "007.50"),
    PLAIN.replace("232323.68", "\"1,234\""),
    PLAIN.replace("232323.68", "١٢"),  # Arabic-Indic digits, which Python's \\d takes
    PLAIN.replace("2021-01-01T00:12:47+07:00", "2021-01-01T00:12:47Z"),
    PLAIN.replace("2021-01-01T00:12:47+07:00", "2021-01-01 00:12"),
    PLAIN.replace("2021-01-01T00:12:47+07:00", "2021-02-30T00:12:47+07:00"),
    PLAIN.replace("2021-01-01T00:12:47+07:00", "2021-01-01T00:12:47.250+07:00"),
    PLAIN.replace(",import,", ",Import,"),
    PLAIN.replace(",import,", ",imports,"),
    PLAIN.replace(",KR,VN,", ",kr,VN,"),
    PLAIN.replace("CZ8332;MSCU1234565", "CZ8332;CZ8332"),
    PLAIN.replace("CZ8332;MSCU1234565", "CZ8332; MSCU1234565"),
    PLAIN.replace("24022090;85171300", "2402.20.90"),
    PLAIN.replace("5037,5902.5", "6000,5902.5"),  # net over gross: rejected
    PLAIN.replace("0100233488", "0100233480"),  # a tax code whose check digit fails: a warning
    PLAIN.replace("101919436587", "10191943658"),  # not 12 digits: a warning
    PLAIN.replace("0100233488,DL040156", ",DL040156"),  # no trader: rejected
    PLAIN.replace(',"Hanil Co., Ltd.",KR,', ',"Say ""hi"" Co",,'),
    PLAIN.replace("DL040156", "DL 040156"),
    PLAIN.replace("DL040156", "x" * 65),
]


def test_rows_that_are_not_plain_are_validated_as_by_row(write_feed):
    feed = write_feed({"declarations.csv": HEADER + "".join(row + PLAIN.replace("101919436587", f"1019194366{k:02d}")
                                                            for k, row in enumerate(TRICKY))})
    f = FeedFile("declarations", feed / "declarations.csv")
    plain = _same(f)
    # The plain rows beside them, and the three tricky ones that are plain: the emoji, 007.50 and ""hi"".
    assert plain == len(TRICKY) + 3


@pytest.mark.parametrize("damage", [
    b'"a row over\ntwo lines"',  # a line break inside quotes
    b"broken\xff bytes",  # not UTF-8
    b'quote "inside" text',  # both read it alike
    b'"closed" then more',  # csv refuses it (strict)
])
def test_a_block_that_arrow_may_read_otherwise_is_read_by_row_from_there(write_feed, monkeypatch, damage):
    monkeypatch.setattr(by_column, "BLOCK_BYTES", 1_000)
    rows = [PLAIN.replace("101919436587", f"10191943{k:04d}").encode() for k in range(30)]
    rows[12] = rows[12].replace("Thuốc lá điếu".encode(), damage)
    rows.insert(20, b"short,row\n")  # a wrong number of cells
    rows.insert(25, b"\n")  # a blank line
    feed = write_feed({"declarations.csv": HEADER.encode() + b"".join(rows)})
    f = FeedFile("declarations", feed / "declarations.csv")
    # Handed over at the damaged row's block, or, where both readers agree on it (a quote
    # inside a field), at the short row's.
    assert 0 < _same(f) < 20


def test_a_file_that_ends_without_a_line_break_and_a_bom(write_feed):
    feed = write_feed({"declarations.csv": b"\xef\xbb\xbf" + HEADER.encode() + PLAIN.encode() + PLAIN.rstrip("\n").encode()})
    f = FeedFile("declarations", feed / "declarations.csv")
    assert _same(f) == 2


def test_the_repr_ofplain_decimals_is_pythons():
    import random

    rng = random.Random(7)
    texts = ["0", "00", "0.0", "5037", "007.50", "0.0001", "0.00009", "1000000000000000", "10000000000000000",
             "123456789012345", "1234567890123456", "0.30000000000000004", "9.999999999999999"]
    texts += [f"{rng.randint(0, 10 ** rng.randint(0, 17))}.{rng.randint(0, 10 ** rng.randint(0, 12)):0{rng.randint(1, 6)}d}"
              for _ in range(20_000)]
    column = pa.array(texts)
    plain = by_column.plain_decimal(column).to_pylist()
    written = by_column.float_repr(column).to_pylist()
    assert sum(plain) > 10_000
    assert [w for w, p in zip(written, plain) if p] == [repr(float(t)) for t, p in zip(texts, plain) if p]
    assert list(itertools.compress(texts[:13], plain[:13])) == ["0", "00", "0.0", "5037", "007.50", "0.0001",
                                                                "1000000000000000", "123456789012345"]


def test_only_utf8_declaration_csv_files_are_read_by_column():
    assert by_column.handles(FeedFile("declarations", Path("d.csv")))
    assert not by_column.handles(FeedFile("declarations", Path("d.jsonl")))
    assert not by_column.handles(FeedFile("declarations", Path("d.csv"), "cp1258"))
    assert not by_column.handles(FeedFile("enterprises", Path("e.csv")))


def test_blocks_checked_in_a_worker_process_read_the_same_and_hand_back_as_in_a_thread(write_feed, monkeypatch):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setattr(by_column, "BLOCK_BYTES", 1_000)  # in this process only: the worker cuts nothing
    rows = [PLAIN.replace("101919436587", f"10191943{k:04d}") for k in range(40)]
    rows.insert(30, "\n")  # a blank line: the rest by row
    feed = write_feed({"declarations.csv": HEADER + "".join(rows)})
    f = FeedFile("declarations", feed / "declarations.csv")
    columns = reader.header(f).columns
    in_thread = by_column.Blocks.open(f, columns)
    expected = [(row[0], reader.raw_text(row[2]), result) for row, result in in_thread]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        in_worker = by_column.Blocks.open(f, columns, executor=pool)
        assert [(row[0], reader.raw_text(row[2]), result) for row, result in in_worker] == expected
    assert in_worker.rest == in_thread.rest is not None and len(expected) < 30
