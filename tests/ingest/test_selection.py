"""declarations.selection (contract 1.2, a riskgraph addition: docs/contract-additions.md):
an optional enumeration, stored on the Declaration, whose absence changes nothing."""

from __future__ import annotations

import pytest

from riskgraph.graph.digest import nodes
from riskgraph.ingest.validate import DECLARATION_PROPERTIES, Rejected, validate
from tests.ingest.helpers import DECLARATIONS, DECLARATIONS_HEADER, count, domain_digest, load, rejects

HEADER = DECLARATIONS_HEADER.rstrip("\n") + ",selection\n"
ROW = "105123456789,import,2025-03-17T08:15:00+07:00,0100233488,AG01,P1,ACME Ltd,CN,51C-123.45,85171300,12000.50,red,discrepancy,"
VALUES = dict(zip(HEADER.strip().split(","), ROW.split(",")))


def _selection(store, declaration_no):
    for r in nodes(store):
        if r["labels"][0] == "Declaration" and r["props"].get("declaration_no") == declaration_no:
            return r["props"].get("selection", "<absent>")
    raise AssertionError(f"no declaration {declaration_no}")


def test_selection_is_a_declaration_property():
    assert "selection" in DECLARATION_PROPERTIES


@pytest.mark.parametrize("value, stored", [("targeted", "targeted"), ("random", "random"), (" Random ", "random")])
def test_a_known_selection_is_kept(value, stored):
    assert validate("declarations", {**VALUES, "selection": value}).params["props"]["selection"] == stored


@pytest.mark.parametrize("values", [{**VALUES, "selection": ""}, {**VALUES, "selection": None},
                                    {k: v for k, v in VALUES.items() if k != "selection"}])
def test_an_empty_or_missing_selection_is_not_stated(values):
    record = validate("declarations", values)
    assert "selection" not in record.params["props"]
    # Same row, same digest: a feed without the column reloads a 1.1 feed's declarations unchanged.
    assert record.digest == validate("declarations", {k: v for k, v in VALUES.items() if k != "selection"}).digest


def test_an_unknown_selection_is_rejected_naming_the_field():
    with pytest.raises(Rejected) as caught:
        validate("declarations", {**VALUES, "selection": "sometimes"})
    assert caught.value.field == "selection"
    assert "'sometimes' is not one of targeted, random" in str(caught.value)


def test_a_feed_with_selections_loads_them(store, write_feed, tmp_path):
    text = HEADER + ROW + "random\n" + "105123456790,import,2025-03-18 09:00,0999999999,,,,,,85171300,1.5,green,none,\n"
    report = load(store, write_feed({"declarations.csv": text}), tmp_path)
    assert report.rejected == 0 and count(store, "Declaration") == 2
    assert _selection(store, "105123456789") == "random"
    assert _selection(store, "105123456790") == "<absent>"


def test_an_unknown_selection_rejects_the_row_and_stores_nothing(store, write_feed, tmp_path):
    load(store, write_feed({"declarations.csv": DECLARATIONS}, name="base"), tmp_path)
    before = domain_digest(store)
    report = load(store, write_feed({"declarations.csv": HEADER + ROW.replace("105123456789", "105123456791") + "sometimes\n"},
                                    name="bad"), tmp_path)
    found = rejects(report)
    assert [(r["field"], r["line"]) for r in found] == [("selection", "2")]
    assert "not one of targeted, random" in found[0]["reason"]
    assert domain_digest(store) == before and count(store, "Declaration") == 2


def test_a_feed_without_the_column_still_loads(store, write_feed, tmp_path):
    report = load(store, write_feed({"declarations.csv": DECLARATIONS}), tmp_path)
    assert report.rejected == 0 and count(store, "Declaration") == 2
    assert _selection(store, "105123456789") == "<absent>"


def test_a_corrected_row_states_the_selection_anew(store, write_feed, tmp_path):
    load(store, write_feed({"declarations.csv": HEADER + ROW + "targeted\n"}), tmp_path)
    assert _selection(store, "105123456789") == "targeted"
    load(store, write_feed({"declarations.csv": HEADER + ROW + "random\n"}, name="corrected"), tmp_path)
    assert _selection(store, "105123456789") == "random"
