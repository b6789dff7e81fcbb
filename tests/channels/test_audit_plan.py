"""Post-clearance audit selection (riskgraph.channels.audit_plan), store-free: periods,
the plan's minimum share, the ranking by risk and revenue, enterprises, the CSV export."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from datetime import date

import pytest

from riskgraph.channels.audit_plan import Candidate, Plan, enterprises, rank, size, stakes
from riskgraph.cli.output import AUDIT_COLUMNS, audit_rows, audit_text, csv_bytes
from riskgraph.errors import ConfigError


def _candidate(i: int, score: float, tax: float | None = 1e8, value: float | None = 10_000.0, trader: str = "0100000001") -> Candidate:
    return Candidate(f"1{i:011d}", "2026-02-01", trader, f"Công ty {trader}", "01B1", "87032363", tax, value, score)


@pytest.mark.parametrize("green", [0, 1, 99, 100, 101, 250, 1883, 7317])
@pytest.mark.parametrize("share", [0.01, 0.015, 0.05, 1.0])
def test_the_plan_never_audits_less_than_its_share(green, share):
    k = size(green, share)
    assert k >= green * share - 1e-9 and k <= green and (k == 0) == (green == 0)
    assert k < green * share + 1  # and not more than rounding up
    picks = rank([_candidate(i, 0.1) for i in range(green)], share)
    assert len(picks) == k and [p.rank for p in picks] == list(range(1, k + 1))


@pytest.mark.parametrize("share", [0, -0.01, 1.5, math.nan])
def test_a_share_outside_zero_to_one_is_refused(share):
    with pytest.raises(ConfigError, match="share must be more than 0 and at most 1"):
        size(10, share)


def test_risk_weighted_by_revenue_in_orders_of_magnitude():
    cands = [
        _candidate(1, 0.02, tax=3e10),  # a car: ordinary risk, huge tax
        _candidate(2, 0.30, tax=5e7),  # risky, ordinary tax
        _candidate(3, 0.30, tax=0.0),  # risky export: no tax at stake, still ranked by its risk
        _candidate(4, 0.01, tax=1e6),
    ]
    order = [p.candidate.declaration_no[-1] for p in rank(cands, 1.0)]
    assert order == ["2", "3", "1", "4"]
    top = rank(cands, 1.0)[0]
    assert top.stake_vnd == 5e7 and top.at_risk_vnd == pytest.approx(0.3 * 5e7)
    assert top.priority == pytest.approx(0.3 * math.log10(10 + 5e7))


def test_ties_go_to_the_riskier_then_the_declaration_number():
    cands = [_candidate(3, 0.2, tax=0.0), _candidate(2, 0.2, tax=0.0), _candidate(1, 0.1, tax=90.0)]
    # 0.1 * log10(100) = 0.2 * log10(10): equal priority, the riskier first.
    assert [p.candidate.declaration_no[-1] for p in rank(cands, 1.0)] == ["2", "3", "1"]


def test_a_declaration_without_tax_is_staked_at_the_median_tax_per_dollar():
    cands = [_candidate(1, 0.1, tax=1e6, value=100.0), _candidate(2, 0.1, tax=3e6, value=100.0),
             _candidate(3, 0.1, tax=None, value=50.0), _candidate(4, 0.1, tax=None, value=None)]
    assert stakes(cands) == [1e6, 3e6, 50.0 * 20_000, 0.0]


def test_enterprises_add_up_their_selected_declarations_with_their_own_risk():
    cands = [_candidate(1, 0.2, tax=1e8, trader="A"), _candidate(2, 0.2, tax=1e8, trader="A"),
             _candidate(3, 0.5, tax=1e8, trader="B"), _candidate(4, 0.01, tax=1e3, trader="C")]
    picks = rank(cands, 0.75)
    assert {p.candidate.trader for p in picks} == {"A", "B"}
    found = enterprises(picks, {"A": {"score": 0.4, "band": "high"}})
    assert [(e.rank, e.trader, e.selected) for e in found] == [(1, "B", 1), (2, "A", 2)]
    assert found[1].at_risk_vnd == pytest.approx(0.2 * 1e8 * 2) and found[1].stake_vnd == 2e8
    assert (found[1].score, found[1].band) == (0.4, "high") and (found[0].score, found[0].band) == (None, None)


def test_the_csv_export_has_one_row_per_declaration_with_its_enterprise_and_a_bom():
    cands = [_candidate(i, 0.1 + i / 100, trader="A" if i % 2 else "B") for i in range(200)]
    picks = rank(cands, 0.01)
    picks[0] = replace(picks[0], reasons=(("rate_trader", 0.05, "trader A: discrepancies in 14%"),))
    plan = Plan(date(2026, 1, 1), date(2026, 3, 31), 0.01, 200, tuple(picks),
                tuple(enterprises(picks, {"B": {"score": 0.3, "band": "high"}})), "model")
    data = csv_bytes(audit_rows(plan), AUDIT_COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == AUDIT_COLUMNS and len(rows) == 2
    assert rows[0]["declaration_no"] == "100000000199" and rows[0]["trader_name"] == "Công ty A"
    assert rows[0]["reasons"] == "rate_trader +0.05 trader A: discrepancies in 14%"
    assert rows[1]["trader"] == "B" and (rows[1]["trader_score"], rows[1]["trader_band"]) == ("0.3", "high")
    text = "\n".join(audit_text(plan, 10))
    assert "2 of 200 green-lane declarations (1.00%, plan minimum 1.00%)" in text and "100000000199" in text
