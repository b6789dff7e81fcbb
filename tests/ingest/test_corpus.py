"""A corpus of damaged feeds against a store that already holds a world (the first
BASE_ROWS rows of every small-world file).

Each damage takes a good feed (the first ROWS_PER_FILE of those rows, so that loading it
again changes no customs data) and breaks one file. The feed is then either refused
whole, with a FeedError naming the file and what is wrong, or its bad rows are rejected
to rejects.csv with file, line, field, reason and the raw row (or, for an empty file, a
warning). Either way the customs data already stored is unchanged, and a refused feed
records no run.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from riskgraph.errors import FeedError
from riskgraph.graph import open_store
from riskgraph.settings import load as load_settings
from tests.conftest import SMALL_WORLD
from tests.ingest.helpers import count, domain_digest, load, rejects, warnings

ROWS_PER_FILE = 3  # data rows of each small-world file in the good feed: lines 2 to 4
BASE_ROWS = 60  # data rows of each small-world file in the store the damaged feeds meet


@dataclass(frozen=True)
class Refused:
    message: str  # regex the FeedError's message must match; it names the file


@dataclass(frozen=True)
class Reject:
    file: str
    line: int
    field: str
    reason: str  # part of the reason
    raw: str  # part of the raw row


@dataclass(frozen=True)
class Rejects:
    rows: tuple[Reject, ...]


@dataclass(frozen=True)
class Warns:
    file: str
    reason: str  # part of the warning
    field: str = ""  # the warning's field, as written


Expected = Refused | Rejects | Warns


def _read(feed: Path, kind: str) -> list[list[str]]:
    with open(feed / f"{kind}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _write(feed: Path, kind: str, rows: list[list[str]], encoding: str = "utf-8", errors: str = "strict") -> None:
    (feed / f"{kind}.csv").write_bytes(_text(rows).encode(encoding, errors))


def _set(feed: Path, kind: str, line: int, column: str, value: str) -> str:
    """Set one cell of ``kind``.csv; return the row's first cell."""
    rows = _read(feed, kind)
    rows[line - 1][rows[0].index(column)] = value
    _write(feed, kind, rows)
    return rows[line - 1][0]


def _append(feed: Path, name: str, data: bytes) -> None:
    with open(feed / name, "ab") as handle:
        handle.write(data)


# --- the damages: each breaks the good feed in ``feed`` and says what must follow ---------


def truncated_row(feed: Path) -> Expected:
    rows = _read(feed, "enterprises")
    rows[2] = rows[2][:4]
    _write(feed, "enterprises", rows)
    return Rejects((Reject("enterprises.csv", 3, "phone", "the row has 4 cells but the header has 10: nothing from phone on", rows[2][0]),))


def row_cut_mid_quote_at_end_of_file(feed: Path) -> Expected:
    _append(feed, "enterprises.csv", '0101234599,"Công ty TNHH Cắt Ngang, 12 Nguyễn'.encode())
    return Rejects((Reject("enterprises.csv", 5, "", "unexpected end of data (check the quoting)", '0101234599,"Công ty TNHH Cắt'),))


def quote_inside_a_field(feed: Path) -> Expected:
    _append(feed, "persons.csv", '079000000001,"Nguyễn "Tí" Văn",,,,,\n'.encode())
    return Rejects((Reject("persons.csv", 5, "", "check the quoting", '079000000001,"Nguyễn "Tí" Văn"'),))


def nul_bytes_in_a_field(feed: Path) -> Expected:
    key = _set(feed, "enterprises", 2, "name", "Công ty\x00\x00TNHH")
    return Rejects((Reject("enterprises.csv", 2, "name", "control character U+0000", key),))


def two_megabyte_field(feed: Path) -> Expected:
    key = _set(feed, "declarations", 3, "goods_description", "Đ" * 1_048_576)  # 2 MiB in UTF-8
    return Rejects((Reject("declarations.csv", 3, "goods_description", "text of 1,048,576 characters; the limit is 65,536", key),))


def very_long_unicode_identifier(feed: Path) -> Expected:
    _set(feed, "intel", 4, "report_id", "𝕋" * 65)  # 65 characters, 260 bytes
    return Rejects((Reject("intel.csv", 4, "report_id", "identifier must be 1-64 characters, not 65", "𝕋𝕋𝕋"),))


def bidi_override_in_a_name(feed: Path) -> Expected:
    key = _set(feed, "persons", 4, "full_name", "Nguyễn Văn A\u202eexe.gpj")
    return Rejects((Reject("persons.csv", 4, "full_name", "bidirectional control character U+202E", key),))


def bidi_isolate_and_mark_in_names(feed: Path) -> Expected:
    first = _set(feed, "enterprises", 2, "name", "Công ty \u2066ABC")
    second = _set(feed, "enterprises", 3, "name", "Công ty \u200fABC")
    return Rejects((Reject("enterprises.csv", 2, "name", "bidirectional control character U+2066", first),
                    Reject("enterprises.csv", 3, "name", "bidirectional control character U+200F", second)))


def control_characters(feed: Path) -> Expected:
    first = _set(feed, "enterprises", 2, "address", "12 Nguyễn Huệ\x1b[2J")
    _set(feed, "violations", 3, "violation_id", "VPHC\x07-1")
    return Rejects((Reject("enterprises.csv", 2, "address", "control character U+001B", first),
                    Reject("violations.csv", 3, "violation_id", "control character U+0007 in an identifier", "VPHC\x07-1")))


def formula_in_a_rejected_row(feed: Path) -> Expected:
    """A spreadsheet opening rejects.csv must not run the row's formula."""
    rows = _read(feed, "vehicles")
    rows[1][0] = "=cmd|' /C calc'!A0"
    rows[1][rows[0].index("kind")] = "spaceship"
    _write(feed, "vehicles", rows)
    return Rejects((Reject("vehicles.csv", 2, "kind", "'spaceship' is not one of", "'=cmd|' /C calc'!A0,spaceship"),))


def formula_in_an_unknown_jsonl_key(feed: Path) -> Expected:
    """warnings.csv names unknown keys; a key can be a formula too."""
    rows = _read(feed, "agents")
    objects = [{**dict(zip(rows[0], row)), "@SUM(1+1)*cmd|' /C calc'!A0": 1} for row in rows[1:]]
    (feed / "agents.csv").unlink()
    (feed / "agents.jsonl").write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return Warns("agents.jsonl", "unknown keys, ignored", "'@SUM(1+1)*cmd|' /C calc'!A0")


def conflicting_duplicate_keys(feed: Path) -> Expected:
    rows = _read(feed, "enterprises")
    rows.append([rows[1][0], "Công ty Khác Tên", *rows[1][2:]])
    rows.append(rows[2])  # an identical repeat is loaded once, not rejected
    _write(feed, "enterprises", rows)
    return Rejects((Reject("enterprises.csv", 5, "tax_code", "appears at line 2 with other values", "Công ty Khác Tên"),))


def conflicting_duplicate_composite_keys(feed: Path) -> Expected:
    rows = _read(feed, "roles")
    changed = list(rows[1])
    changed[rows[0].index("until")] = "2099-01-01"
    _write(feed, "roles", [*rows, changed])
    return Rejects((Reject("roles.csv", 5, "person_id;tax_code;role;since", "appears at line 2 with other values", "2099-01-01"),))


def rows_in_legacy_encodings(feed: Path) -> Expected:
    """One bad row in a UTF-8 file is rejected alone; a file of them is refused (below)."""
    _append(feed, "enterprises.csv", b"0101234567," + "Société Générale".encode("latin-1") + b",,,,,,,,\n")
    _append(feed, "persons.csv", b"079000000002," + "Công ty Đông Á".encode("cp1258") + b",,,,,\n")
    return Rejects((Reject("enterprises.csv", 5, "name", "not UTF-8", "Soci\ufffdt\ufffd G\ufffdn\ufffdrale"),
                    Reject("persons.csv", 5, "full_name", "not UTF-8", "079000000002,C\ufffdng ty")))


def latin1_file(feed: Path) -> Expected:
    _write(feed, "enterprises", _read(feed, "enterprises"), "latin-1", "replace")
    return Refused(r"enterprises.csv: not UTF-8 \(3 of its first 4 lines, from line 2\): save it as UTF-8, or load it "
                   r"with --encoding cp1258 \(Windows-1258\) or latin-1")


def cp1258_file(feed: Path) -> Expected:
    _write(feed, "persons", _read(feed, "persons"), "cp1258", "replace")
    return Refused(r"persons.csv: not UTF-8 \(3 of its first 4 lines, from line 2\)")


def missing_required_column(feed: Path) -> Expected:
    rows = _read(feed, "declarations")
    drop = rows[0].index("registered_at")
    _write(feed, "declarations", [row[:drop] + row[drop + 1:] for row in rows])
    return Refused(r"declarations.csv: line 1: required column registered_at is missing \(contract: declarations\)")


def repeated_column(feed: Path) -> Expected:
    rows = _read(feed, "agents")
    _write(feed, "agents", [[*row, row[0]] for row in rows])
    return Refused(r"agents.csv: line 1: column agent_code appears more than once")


def empty_file(feed: Path) -> Expected:
    (feed / "roles.csv").write_bytes(b"")
    return Warns("roles.csv", "the file is empty; nothing loaded from it")


def every_file_empty(feed: Path) -> Expected:
    for path in feed.iterdir():
        path.write_bytes(b"")
    _write(feed, "persons", [_read(SMALL_WORLD, "persons")[0]])  # a header alone
    (feed / "intel.csv").unlink()
    (feed / "intel.jsonl").write_text("\n\n", encoding="utf-8")  # blank lines alone
    return Refused(r"feed: enterprises.csv, persons.csv, roles.csv, .*, intel.jsonl hold no rows: nothing to load")


def _not_text(feed: Path, name: str, magic: bytes, what: str) -> Expected:
    (feed / name).write_bytes(magic + bytes(range(256)) * 8)
    return Refused(rf"{name}: not a text file in the contract's format: it is {what}")


def zip_bytes_named_csv(feed: Path) -> Expected:
    return _not_text(feed, "declarations.csv", b"PK\x03\x04\x14\x00\x06\x00",
                     r"a ZIP archive \(an Excel .xlsx workbook is one\); export the sheet as CSV$")


def png_bytes_named_csv(feed: Path) -> Expected:
    return _not_text(feed, "enterprises.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image")


def gzip_bytes_named_jsonl(feed: Path) -> Expected:
    (feed / "intel.csv").unlink()
    return _not_text(feed, "intel.jsonl", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip-compressed; decompress it first")


def utf16_file(feed: Path) -> Expected:
    (feed / "agents.csv").write_bytes(_text(_read(feed, "agents")).encode("utf-16"))
    return Refused(r"agents.csv: not a text file in the contract's format: it is UTF-16; save it as UTF-8")


def utf16_file_without_byte_order_mark(feed: Path) -> Expected:
    (feed / "agents.csv").write_bytes(_text(_read(feed, "agents")).encode("utf-16-le"))
    return Refused(r"agents.csv: line 1: the header holds NUL bytes \(UTF-16 without a byte order mark\?\); save the file as UTF-8")


def jsonl_with_wrong_types(feed: Path) -> Expected:
    rows = _read(feed, "enterprises")
    header, (first, second, third) = rows[0], rows[1:4]
    good = [json.dumps(dict(zip(header, row)), ensure_ascii=False) for row in (first, second, third)]
    objects = [json.loads(line) for line in good]
    lines = [
        good[0],
        json.dumps({**objects[1], "name": True}, ensure_ascii=False),
        json.dumps({**objects[2], "registered_on": 2025}, ensure_ascii=False),
        json.dumps({**objects[0], "activities": {"importer": 1}}, ensure_ascii=False),
        json.dumps({**objects[0], "status": ["active"]}, ensure_ascii=False),
        "{not json",
        "[1, 2]",
    ]
    (feed / "enterprises.csv").unlink()
    (feed / "enterprises.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Rejects((
        Reject("enterprises.jsonl", 2, "name", "expected text, got a JSON bool", '"name": true'),
        Reject("enterprises.jsonl", 3, "registered_on", "expected date, got a number", '"registered_on": 2025'),
        Reject("enterprises.jsonl", 4, "activities", "got a JSON dict", '"importer": 1'),
        Reject("enterprises.jsonl", 5, "status", "a list where one value is expected", '["active"]'),
        Reject("enterprises.jsonl", 6, "", "not valid JSON", "{not json"),
        Reject("enterprises.jsonl", 7, "", "a line must hold one JSON object", "[1, 2]"),
    ))


def both_csv_and_jsonl(feed: Path) -> Expected:
    (feed / "agents.jsonl").write_text('{"agent_code": "DL1", "tax_code": "0100233488"}\n', encoding="utf-8")
    return Refused(r"both agents.csv and agents.jsonl are present; keep one")


def no_contract_files(feed: Path) -> Expected:
    for path in feed.iterdir():
        path.rename(path.with_suffix(".tsv"))
    (feed / "readme.txt").write_text("the declarations are in the other folder\n", encoding="utf-8")
    return Refused(r"no contract files found \(expected any of enterprises.csv, .*\); found only agents.tsv, .*readme.txt")


def empty_directory(feed: Path) -> Expected:
    for path in feed.iterdir():
        path.unlink()
    return Refused(r"feed: no contract files found \(expected any of enterprises.csv, .*, or .jsonl\)$")


DAMAGES = [
    truncated_row, row_cut_mid_quote_at_end_of_file, quote_inside_a_field, nul_bytes_in_a_field, two_megabyte_field,
    very_long_unicode_identifier, bidi_override_in_a_name, bidi_isolate_and_mark_in_names, control_characters,
    rows_in_legacy_encodings, latin1_file, cp1258_file, missing_required_column, repeated_column, empty_file, every_file_empty,
    jsonl_with_wrong_types, both_csv_and_jsonl, no_contract_files, empty_directory, conflicting_duplicate_keys,
    conflicting_duplicate_composite_keys, zip_bytes_named_csv, png_bytes_named_csv, gzip_bytes_named_jsonl, utf16_file,
    utf16_file_without_byte_order_mark, formula_in_a_rejected_row, formula_in_an_unknown_jsonl_key,
]


def _first_rows(directory: Path, rows: int) -> Path:
    """Write the first ``rows`` rows of every small-world file into ``directory``."""
    directory.mkdir()
    for source in sorted(SMALL_WORLD.glob("*.csv")):
        with open(source, newline="", encoding="utf-8") as handle:
            _write(directory, source.stem, list(itertools.islice(csv.reader(handle), rows + 1)))
    return directory


@pytest.fixture(scope="module")
def base_world(data_dir, tmp_path_factory):
    """A store holding the first BASE_ROWS rows of every small-world file, loaded once for
    the module, and the digest of its customs data. The whole small world (8,600 rows) would
    do as well, but its digest takes 1.7 s against 0.06 s for this one, and there is one per damage."""
    settings = load_settings(env={}, data_dir=data_dir, graph=f"corpus{os.getpid()}")
    store = open_store(settings)
    base = _first_rows(tmp_path_factory.mktemp("corpus") / "base", BASE_ROWS)
    load(store, base, tmp_path_factory.mktemp("runs"), batch_size=2000)
    yield store, domain_digest(store)
    store.close()


@pytest.fixture
def good_feed(tmp_path) -> Path:
    """The first ROWS_PER_FILE rows of every small-world file: rows the world already holds."""
    return _first_rows(tmp_path / "feed", ROWS_PER_FILE)


def test_the_good_feed_loads_again_without_a_change(base_world, good_feed, tmp_path):
    """The premise of the corpus: every damage below starts from a feed that is clean."""
    world, world_digest = base_world
    report = load(world, good_feed, tmp_path)
    assert report.rejected == 0 and report.loaded == 8 * ROWS_PER_FILE
    assert domain_digest(world) == world_digest


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.__name__ for d in DAMAGES])
def test_a_damaged_feed_is_refused_or_its_rows_rejected(base_world, good_feed, tmp_path, damage):
    world, world_digest = base_world
    expected = damage(good_feed)
    runs = count(world, "IngestRun")
    if isinstance(expected, Refused):
        with pytest.raises(FeedError, match=expected.message):
            load(world, good_feed, tmp_path)
        assert count(world, "IngestRun") == runs  # refused before anything is written
    else:
        report = load(world, good_feed, tmp_path)
        found = rejects(report)
        if isinstance(expected, Rejects):
            assert [(r["file"], int(r["line"]), r["field"]) for r in found] == [(e.file, e.line, e.field) for e in expected.rows]
            for row, e in zip(found, expected.rows):
                assert e.reason in row["reason"], row
                assert e.raw in row["raw"] and len(row["raw"]) < 5000, row  # the row as it stood, cut
        else:
            assert found == []
            assert any(w["file"] == expected.file and expected.reason in w["reason"] and w["field"] == expected.field
                       for w in warnings(report)), warnings(report)
        assert report.loaded > 0  # the rest of the feed still loads
    assert domain_digest(world) == world_digest
