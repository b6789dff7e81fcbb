"""The criteria language on tiny inputs: what each condition means, errors with their
column, and that nothing is ever evaluated as code."""

from __future__ import annotations

import pytest

from riskgraph.channels.criteria import HISTORY, SCORES, STATUS, WATCHLIST, Facts, entities, parse
from riskgraph.errors import InvalidCriteria


def declaration(**props) -> dict:
    base = {"hs_codes": ["85171200", "84713020"], "origin_country": "CN", "partner_country": "HK", "procedure_code": "A11",
            "border_gate": "Cảng Cát Lái", "office_code": "02CI", "tax_treatment": "ACFTA", "value_usd": 20000.0,
            "net_mass_kg": 100.0, "registered_on": "2025-03-10", "direction": "import"}
    return {"key": "1", "trader": "0101", "agents": ["DL1"], "declarants": ["P1"], "vehicles": ["29C-1", "MSCU1"], "warehouses": [],
            "props": {**base, **props}}


def meets(text: str, d: dict | None = None, facts: Facts = Facts()) -> bool:
    return parse(text).test(d or declaration(), facts)


@pytest.mark.parametrize("text, expected", [
    ("hs in 8471", True), ("hs in 8471*", True), ("hs startswith 0808, 8517", True), ("hs in 9401", False),
    ("origin in cn, th", True), ("origin = VN", False), ("origin != VN", True), ("partner = HK", True),
    ('procedure in "A11", A12', True), ('gate = "Cảng Cát Lái"', True), ("office = 02ci", True), ("tax_treatment in MFN", False),
    ("value_usd >= 20000", True), ("value_usd > 20000", False), ("unit_value < 250", True), ("unit_value <= 199.5", False),
    ("net_mass_kg = 100", True), ("duty_rate > 0", False),
    ("hs in 9401 or origin = CN", True), ("hs in 9401 and origin = CN", False), ("not hs in 9401", True),
    ("not (hs in 8471 and origin = CN)", False), ("hs in 9401 or origin = CN and partner = HK", True),
    ("(hs in 9401 or origin = CN) and partner = VN", False), ("NOT HS IN 8471", False),
    ("origin in IN, IS or partner = HK", True), ("origin = IN", False),
])
def test_each_condition_reads_the_declaration(text, expected):
    assert meets(text) is expected


def test_a_missing_figure_meets_no_bound():
    d = declaration(value_usd=None, net_mass_kg=None)
    assert not meets("value_usd < 1", d) and not meets("value_usd >= 0", d) and not meets("unit_value < 1", d)
    assert meets("not value_usd >= 0", d)


def test_party_facts_come_from_the_batch():
    facts = Facts(scores={"enterprise:0101": {"band": "high"}, "agent:DL1": {"band": "medium"}},
                  watched=frozenset({"vehicle:MSCU1"}), first_declared={"0101": "2025-01-20"}, closed=frozenset({"0101"}))
    assert meets("trader band >= high", facts=facts) and not meets("trader band = critical", facts=facts)
    assert meets("agent band in medium, low", facts=facts) and meets("declarant band = low", facts=facts)  # unscored: low
    assert meets("trader is key_target", facts=facts) and meets("vehicle is key_target", facts=facts)  # band, watchlist
    assert not meets("agent is key_target", facts=facts) and meets("vehicle is watchlisted", facts=facts)
    assert meets("trader is new", facts=facts) and not meets("trader is new within 30 days", facts=facts)
    assert meets("trader is new within 49 days", facts=facts) and not meets("trader is new within 48 days", facts=facts)
    assert meets("trader is new", facts=Facts())  # never declared before
    assert meets("trader is closed", facts=facts) and not meets("trader is closed")


def test_criteria_say_what_they_need_and_bound_their_goods():
    assert parse("hs in 8471 and origin = CN").needs == frozenset()
    assert parse("trader band >= high or agent is watchlisted").needs == {SCORES, WATCHLIST}
    assert parse("trader is new or trader is closed").needs == {HISTORY, STATUS}
    assert parse("hs in 8471, 8517 and origin = CN").bound == ("hs", ("8471", "8517"))
    assert parse("(hs in 84 or hs in 85) and not hs in 8501").bound == ("hs", ("84", "85"))
    assert parse("origin in cn, th and procedure = A11").bound == ("procedure_code", ("A11",))
    assert parse("origin = CN or origin = TH").bound == ("origin_country", ("CN", "TH"))
    assert parse("hs in 84 or origin = CN").bound is None and parse("not hs in 84").bound is None
    assert parse("origin != CN").bound is None and parse("value_usd > 1").bound is None
    assert entities([declaration()]) == ["agent:DL1", "enterprise:0101", "person:P1", "vehicle:29C-1", "vehicle:MSCU1"]


@pytest.mark.parametrize("text, column, expected", [
    ("", 1, "a condition"),
    ("hs in", 6, "an HS code prefix"),
    ("hs in 84x", 7, "an HS code prefix"),
    ("hs 8471", 4, "`in` or `startswith`"),
    ("origin in CN and", 17, "a condition"),
    ("value_usd > abc", 13, "a number"),
    ("value_usd ~ 3", 11, "unexpected character"),
    ("(hs in 84", 10, "`)`"),
    ("colour = red", 1, "a condition: one of hs"),
    ("trader is old", 11, "watchlisted, key_target, new or closed"),
    ("agent is new", 10, "watchlisted, key_target"),
    ("hs in 8471 origin in CN", 12, "`and`, `or` or the end"),
    ("origin = CN, TH", 12, "`in` for a list"),
    ("trader band >= huge", 16, "a band"),
    ("trader is new within 0 days", 22, "a number of days"),
    ("__import__('os').system('x')", 1, "a condition: one of hs"),
])
def test_bad_criteria_say_where_and_what_was_expected(text, column, expected):
    with pytest.raises(InvalidCriteria) as e:
        parse(text)
    assert e.value.column == column, str(e.value)
    assert f"column {column}" in str(e.value) and expected in str(e.value)
