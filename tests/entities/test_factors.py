"""Own risk factors on hand-built in-memory projections: violations and intel decayed by
age, closed firms still trading, the goods and inspection factors against the norms,
and the noisy-OR that combines them (no store, numbers by hand)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from riskgraph.entities.factors import (
    CREDIBILITY_WEIGHT,
    FACTOR_INDEX,
    FACTORS,
    NORM_SUPPORT,
    RELIABILITY_WEIGHT,
    SEVERITY_WEIGHT,
    VIOLATION_KIND_WEIGHT,
    combine,
    own_factors,
    usual,
)
from riskgraph.entities.projection import Projection
from riskgraph.model import NODE_KINDS

AS_OF = date(2024, 1, 1)  # 2022-01-01 is 730 days before it, 2023-01-01 365
WEIGHT = {f.name: f.weight for f in FACTORS}
NAN = math.nan


def _declarations(rows: list[tuple]) -> dict[str, np.ndarray]:
    """Column arrays as projection._declarations builds them, from rows of
    (trader, day, hs, origin, value, log_unit_value, inspected, discrepancy)."""
    hs_ids: dict[str, int] = {}
    origin_ids: dict[str, int] = {}
    d = {
        "id": np.arange(len(rows)),
        "trader": np.array([r[0] for r in rows], dtype=np.int64),
        "day": np.array([r[1] for r in rows], dtype=np.int64),
        "hs": np.array([hs_ids.setdefault(r[2], len(hs_ids)) for r in rows], dtype=np.int64),
        "origin": np.array([origin_ids.setdefault(r[3], len(origin_ids)) for r in rows], dtype=np.int64),
        "value": np.array([r[4] for r in rows], dtype=float),
        "log_unit_value": np.array([r[5] for r in rows], dtype=float),
        "inspected": np.array([r[6] for r in rows], dtype=bool),
        "discrepancy": np.array([r[7] for r in rows], dtype=bool),
    }
    d["hs_codes"] = np.asarray(sorted(hs_ids, key=hs_ids.get), dtype=object)
    d["origins"] = np.asarray(sorted(origin_ids, key=origin_ids.get), dtype=object)
    return d


def _projection(kinds: list[str], rows: list[tuple] = (), **fields) -> Projection:
    """A projection of nodes of ``kinds``, the declarations ``rows`` (see _declarations), no links,
    empty party statistics unless given, and any other field set from ``fields``."""
    p = Projection(AS_OF, date(2021, 1, 1))
    p.kind = [NODE_KINDS.index(k) for k in kinds]
    p.key = [f"n{i}" for i in range(len(kinds))]
    p.store_id = list(range(len(kinds)))
    p.declarations = _declarations(list(rows)) if rows else {}
    p.party_stats = {k: np.zeros(len(kinds)) for k in ("declarations", "inspected", "discrepancies")}
    for name, value in fields.items():
        setattr(p, name, value)
    return p


def _row(trader: int, day: int = -10, *, hs: str = "850440", origin: str = "CN", value: float = 100.0,
         luv: float = NAN, inspected: bool = False, discrepancy: bool = False) -> tuple:
    return (trader, day, hs, origin, value, luv, inspected, discrepancy)


def test_a_violation_gives_one_minus_exp_of_its_weight_halved_every_two_years():
    """Weight = kind x severity x 0.5^(age / 730 days); the factor is 1 - exp(-sum of weights)."""
    violations = [
        {"subject": 0, "decided_on": "2024-01-01", "kind": "smuggling", "severity": "administrative"},
        {"subject": 1, "decided_on": "2022-01-01", "kind": "smuggling", "severity": "administrative"},  # 730 days: half
        {"subject": 2, "decided_on": "2024-01-01", "kind": "undervaluation", "severity": "criminal"},
        {"subject": 3, "decided_on": "2024-01-01", "kind": "other", "severity": None},
        {"subject": 3, "decided_on": "2024-01-01T10:00:00", "kind": "misclassification", "severity": None},
    ]
    assert VIOLATION_KIND_WEIGHT["smuggling"] == 1.0 and SEVERITY_WEIGHT["criminal"] == 1.5
    x, _, evidence = own_factors(_projection(["enterprise", "enterprise", "person", "agent", "vehicle"], violations=violations))
    v = x[:, FACTOR_INDEX["violations"]]
    assert v == pytest.approx([1 - math.exp(-1.0), 1 - math.exp(-0.5), 1 - math.exp(-0.8 * 1.5), 1 - math.exp(-(0.3 + 0.7)), 0.0])
    assert len(evidence.violations[3]) == 2 and 4 not in evidence.violations
    assert (np.delete(x, FACTOR_INDEX["violations"], axis=1) == 0).all()  # nothing else is known of them


def test_an_a1_intel_report_counts_far_more_than_an_f6_one_and_halves_every_year():
    """Weight = reliability x credibility x 0.5^(age / 365 days): A1 1.0, F6 0.05 x 0.05, B2 0.8 x 0.8."""
    intel = [
        {"subject": 0, "received_on": "2024-01-01", "reliability": "A", "credibility": "1"},
        {"subject": 1, "received_on": "2024-01-01", "reliability": "F", "credibility": "6"},
        {"subject": 2, "received_on": "2023-01-01", "reliability": "A", "credibility": "1"},  # a year old
        {"subject": 3, "received_on": "2024-01-01", "reliability": "B", "credibility": "2"},
    ]
    assert RELIABILITY_WEIGHT["F"] == CREDIBILITY_WEIGHT["6"] == 0.05
    x, _, _ = own_factors(_projection(["enterprise"] * 4, intel=intel))
    i = x[:, FACTOR_INDEX["intel"]]
    assert i == pytest.approx([1 - math.exp(-1.0), 1 - math.exp(-0.0025), 1 - math.exp(-0.5), 1 - math.exp(-0.64)])
    assert i[0] > 100 * i[1]


def test_a_closed_enterprise_that_still_declared_in_the_last_180_days_is_closed_still_trading():
    """Dissolved at day -100 and absconded at day -180: 1. Dissolved but last seen at day -200,
    active, suspended without declarations, or of unknown status: 0."""
    statuses = ["dissolved", "dissolved", "active", "absconded", "suspended", None]
    rows = [_row(0, -100), _row(0, -300), _row(1, -200), _row(2, -10), _row(3, -180), _row(5, -1)]
    enterprise = {i: {"status": s, "registered_on": "2010-05-01"} for i, s in enumerate(statuses)}
    x, _, _ = own_factors(_projection(["enterprise"] * 6, rows, enterprise=enterprise))
    assert x[:, FACTOR_INDEX["closed_still_trading"]].tolist() == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert (np.delete(x, FACTOR_INDEX["closed_still_trading"], axis=1) == 0).all()


def test_a_new_enterprise_among_the_top_tenth_by_value_is_new_high_value():
    """Ten traders declare 100..800, 1000 and 1000 in the last year: the 90th percentile is 1000.
    Of the two at 1000, only the one registered under a year ago counts; a new one declaring little does not."""
    values = [100, 200, 300, 400, 500, 600, 700, 800, 1000, 1000]
    rows = [_row(i, -30, value=v) for i, v in enumerate(values)]
    enterprise = {i: {"status": "active", "registered_on": "2015-01-01"} for i in range(10)}
    enterprise[8]["registered_on"] = "2023-06-01"  # 214 days before AS_OF
    enterprise[0]["registered_on"] = "2023-06-01"
    x, _, _ = own_factors(_projection(["enterprise"] * 10, rows, enterprise=enterprise))
    assert np.flatnonzero(x[:, FACTOR_INDEX["new_high_value"]]).tolist() == [8]


def test_inspection_discrepancy_is_the_smoothed_excess_over_the_base_rate():
    """Base rate 5/20 = 0.25. Trader 0 (5 of 10 found): rate (5 + 10 x 0.25)/(10 + 10) = 0.375,
    excess (0.375 - 0.25)/(1 - 0.25) = 1/6, factor sqrt(1/6). Trader 1 (0 of 10): under the base, 0.
    Agent 2 is judged on what it filed (party statistics), like trader 0."""
    rows = [_row(0, inspected=True, discrepancy=k < 5) for k in range(10)] + [_row(1, inspected=True) for _ in range(10)]
    p = _projection(["enterprise", "enterprise", "agent"], rows)
    p.party_stats["inspected"][2] = 10
    p.party_stats["discrepancies"][2] = 5
    x, norms, evidence = own_factors(p)
    assert norms.base_rate == pytest.approx(0.25)
    assert x[:, FACTOR_INDEX["inspection_discrepancy"]] == pytest.approx([math.sqrt(1 / 6), 0.0, math.sqrt(1 / 6)])
    assert evidence.inspected.tolist() == [10, 10, 10] and evidence.discrepancies.tolist() == [5, 0, 5]


def test_low_unit_value_is_the_share_under_65_percent_of_the_norm_trusted_by_count():
    """Twenty declarations at unit value 10 set the norm; trader 1 declares once at 6 (60%: low) and
    once at 7 (70%: not). Share 1/2, trusted 2/(2 + 3): 0.2."""
    rows = [_row(0, luv=math.log(10)) for _ in range(20)] + [_row(1, luv=math.log(6)), _row(1, luv=math.log(7))]
    x, norms, evidence = own_factors(_projection(["enterprise", "enterprise"], rows))
    assert norms.unit_value == {("850440", "CN"): pytest.approx(math.log(10))}
    assert x[:, FACTOR_INDEX["low_unit_value"]] == pytest.approx([0.0, 0.5 * 2 / 5])
    assert evidence.low_unit_value.tolist() == [0, 1]


def test_known_only_by_reference_counts_only_where_a_register_of_its_kind_was_loaded():
    """Enterprise 1 is named by a declaration but absent from the loaded enterprise register: 1.
    Person 3 is named too, but no person register was loaded (every person is by reference): 0."""
    rows = [_row(0), _row(1), _row(3)]
    p = _projection(["enterprise", "enterprise", "agent", "person"], rows, by_reference={1, 3})
    x, _, _ = own_factors(p)
    assert x[:, FACTOR_INDEX["known_only_by_reference"]].tolist() == [0.0, 1.0, 0.0, 0.0]


def test_combine_is_the_noisy_or_of_the_weighted_factors():
    """own = 1 - prod(1 - weight x value): one strong factor suffices, several weak ones add up below 1."""
    x = np.zeros((3, len(FACTORS)))
    x[0, FACTOR_INDEX["violations"]] = 1.0
    x[0, FACTOR_INDEX["intel"]] = 0.5
    x[1] = 1.0
    own = combine(x)
    assert WEIGHT["violations"] == 0.5 and WEIGHT["intel"] == 0.6
    assert own[0] == pytest.approx(1 - (1 - 0.5) * (1 - 0.3))  # 0.65
    assert own[1] == pytest.approx(1 - math.prod(1 - w for w in WEIGHT.values()))
    assert own[1] < 1
    assert own[2] == 0.0


def test_usual_gives_the_base_rate_and_the_median_unit_value_of_well_supported_pairs():
    """8504/CN: 30 declarations with log unit values 0..29 (median 14.5), all inspected, 6 discrepancies.
    6109/VN: 19 with a unit value and one without, 10 inspected, none found: one short of NORM_SUPPORT.
    Base rate 6/40; heading 8504 smoothed (6 + 10 x 0.15)/(30 + 10); 6109 has too few inspections for a rate."""
    assert NORM_SUPPORT == 20
    rows = [_row(0, hs="850440", origin="CN", luv=float(k), inspected=True, discrepancy=k < 6) for k in range(30)]
    rows += [_row(1, hs="610910", origin="VN", luv=float(k), inspected=k < 10) for k in range(19)]
    rows += [_row(1, hs="610910", origin="VN", luv=NAN)]
    norms = usual(_declarations(rows))
    assert norms.base_rate == pytest.approx(6 / 40)
    assert norms.unit_value == {("850440", "CN"): pytest.approx(14.5)}
    assert norms.heading_rate == {"8504": pytest.approx((6 + 10 * 0.15) / 40)}


def test_usual_of_no_declarations_is_empty_and_so_are_the_declaration_factors():
    """Without declarations the norms are zero and empty, and only the record factors can be non-zero."""
    norms = usual({})
    assert (norms.base_rate, norms.unit_value, norms.heading_rate) == (0.0, {}, {})
    x, _, _ = own_factors(_projection(["enterprise", "person"]))
    assert x.shape == (2, len(FACTORS)) and (x == 0).all()
