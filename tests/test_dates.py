"""Reporting periods: quarters, months, years and from..to ranges, both days included."""

from __future__ import annotations

from datetime import date

import pytest

from riskgraph.dates import period
from riskgraph.errors import ConfigError


@pytest.mark.parametrize("text, expected", [
    ("2026-Q1", (date(2026, 1, 1), date(2026, 3, 31))),
    ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),  # a leap year's February
    ("2025", (date(2025, 1, 1), date(2025, 12, 31))),
    (" 2026-01-15..2026-02-14 ", (date(2026, 1, 15), date(2026, 2, 14))),
    ("2026-03-01..2026-03-01", (date(2026, 3, 1), date(2026, 3, 1))),
    ("2026-03-15", (date(2026, 3, 15), date(2026, 3, 15))),
    ("2025-Q3..2026-02", (date(2025, 7, 1), date(2026, 2, 28))),
    ("2024..2025", (date(2024, 1, 1), date(2025, 12, 31))),
])
def test_a_period_gives_its_first_and_last_day(text, expected):
    assert period(text) == expected


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "2026-13", "26-01", "Q1", "", "2026-02-30..2026-03-01", "2026-01-01..", "2026-02-30", "2026-Q1..x",
                                  "2026-01-01..2026-02-01..2026-03-01"])
def test_a_bad_period_names_the_forms_accepted(text):
    with pytest.raises(ConfigError, match="2026-Q1 \\(a quarter\\), 2026-03 \\(a month\\), 2026 \\(a year\\), 2026-03-15 \\(a day\\)"):
        period(text)


def test_a_range_given_backwards_says_so():
    with pytest.raises(ConfigError, match="2026-02-01 is after 2026-01-01; give the earlier date first"):
        period("2026-02-01..2026-01-01")
