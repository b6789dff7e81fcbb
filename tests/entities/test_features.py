"""What the ranker sees, on tiny in-memory projections: risk mass by link group and hop,
violators nearby, the phoenix signal, rows for entities only (no store)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from riskgraph.entities.features import COLUMN, FEATURES, MONOTONE, describe
from riskgraph.entities.projection import Projection
from tests.entities.tiny import projection

AS_OF = date(2024, 1, 1)


def _projection(kinds: list[str], links: list[tuple[int, int, str]], violators: tuple[int, ...] = (),
                statuses: dict[int, str] | None = None) -> Projection:
    p = projection(kinds, links, AS_OF)
    p.enterprise = {i: {"status": (statuses or {}).get(i, "active"), "registered_on": "2020-01-01"}
                    for i, k in enumerate(kinds) if k == "enterprise"}
    p.violations = [{"subject": i, "decided_on": "2023-06-01", "kind": "smuggling", "severity": "administrative"} for i in violators]
    p.party_stats = {k: np.zeros(len(kinds)) for k in ("declarations", "inspected", "discrepancies")}
    return p


def _feature(d, node: int, name: str) -> float:
    return float(d.matrix[d.positions(np.array([node]))[0], COLUMN[name]])


@pytest.fixture
def ring():
    """Enterprises 0 and 2 share phone 1; 0 is a past violator. Enterprise 3 shares director 4
    with 2. Enterprise 5 stands alone."""
    p = _projection(["enterprise", "phone", "enterprise", "enterprise", "person", "enterprise"],
                    [(0, 1, "phone"), (2, 1, "phone"), (4, 2, "role:director"), (4, 3, "role:director")], violators=(0,))
    return describe(p)


def test_rows_are_the_entities_and_every_feature_has_a_column(ring):
    assert ring.rows.tolist() == [0, 2, 3, 4, 5]  # the phone is linked, not ranked
    assert ring.matrix.shape == (5, len(FEATURES)) and ring.matrix.dtype == np.float32
    assert len(MONOTONE) == len(FEATURES) and MONOTONE[COLUMN["net:identifiers:viol:2"]] == 1
    assert MONOTONE[COLUMN["profile:links"]] == 0


def test_risk_mass_reaches_who_shares_a_phone_with_a_violator_two_hops_away_in_its_group(ring):
    assert _feature(ring, 2, "net:identifiers:viol:2") > 0  # 2 -phone- 0
    assert _feature(ring, 2, "net:identifiers:viol:1") == 0  # the phone itself has no violation
    assert _feature(ring, 2, "net:people:viol:2") == 0  # nothing reaches 2 over people
    assert _feature(ring, 0, "net:identifiers:viol:2") == 0  # its own risk does not echo back
    assert _feature(ring, 5, "net:all:viol") == 0 and _feature(ring, 5, "pagerank") == 0
    assert _feature(ring, 3, "net:all:viol") > 0  # 3 -director- 2 -phone- 0: four hops reach it


def test_violators_nearby_are_counted_through_small_connectors(ring):
    assert _feature(ring, 2, "near:violators:2") == 1 and _feature(ring, 2, "near:violators:1") == 0
    assert _feature(ring, 0, "near:violators:2") == 0  # not itself


def test_phoenix_counts_closed_firms_whose_people_hold_a_role_here():
    """Person 2 directed the dissolved firm 0 and now runs firm 1; firm 3 has nothing to do with them."""
    p = _projection(["enterprise", "enterprise", "person", "enterprise"], [(2, 0, "role:director"), (2, 1, "role:legal_representative")],
                    violators=(0,), statuses={0: "dissolved"})
    d = describe(p)
    assert _feature(d, 1, "phoenix:closed") == 1 and _feature(d, 1, "phoenix:closed_violators") == 1
    assert _feature(d, 0, "phoenix:closed") == 0  # the closed firm is not its own successor
    assert _feature(d, 3, "phoenix:closed") == 0
