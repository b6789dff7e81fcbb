"""Dates as customs counts them: calendar months, Vietnam time, timestamps.

Every window of riskgraph (an analysis' history, a training window, a backtest
horizon) is a number of calendar months; times in the feeds are in Vietnam time
(Asia/Ho_Chi_Minh, UTC+7, no daylight saving since 1975) unless they carry an offset.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone

from riskgraph.errors import ConfigError

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")  # no daylight saving since 1975


def months_before(d: date, months: int) -> date:
    """Return the first day of the month ``months`` months before ``d``'s month (after, if negative)."""
    total = d.year * 12 + d.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


def add_months(d: date, months: int) -> date:
    """Return the same day ``months`` calendar months later (the month's last day if it is shorter)."""
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def month_ranges(since: date, until: date) -> list[tuple[date, date]]:
    """Return the calendar months from ``since`` to ``until`` as inclusive (first, last)
    days, the first and last clipped to the period."""
    out, month = [], since
    while month <= until:
        last = min(months_before(month, -1) - timedelta(days=1), until)
        out.append((month, last))
        month = last + timedelta(days=1)
    return out


def month_bounds(since: date, until: date) -> list[dict[str, str]]:
    """Return ``month_ranges`` as the ISO ``from`` and ``until`` bounds a read query takes."""
    return [{"from": first.isoformat(), "until": last.isoformat()} for first, last in month_ranges(since, until)]


_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def period(text: str) -> tuple[date, date]:
    """Return the first and last day (both included) of a reporting period (kỳ báo cáo):
    ``2026-Q1`` (a quarter), ``2026-03`` (a month), ``2026`` (a year), ``2026-03-15`` (a
    day) or FROM..TO, from the first day of one to the last of another, in order
    (``2026-01-15..2026-02-14``, ``2025-Q3..2026-Q1``). Raises ConfigError naming the
    accepted forms."""
    text = (text or "").strip()
    if text.count("..") == 1:
        left, right = text.split("..")
        since, until = period(left)[0], period(right)[1]
        if since > until:
            raise ConfigError(f"period {text!r}: {since} is after {until}; give the earlier date first")
        return since, until
    try:
        if m := _QUARTER.match(text):
            first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return first, months_before(first, -3) - timedelta(days=1)
        if m := _MONTH.match(text):
            first = date(int(m[1]), int(m[2]), 1)
            return first, months_before(first, -1) - timedelta(days=1)
        if m := _YEAR.match(text):
            return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
        if len(text) == 10:
            return date.fromisoformat(text), date.fromisoformat(text)
    except ValueError:
        pass  # a month 13 or a day 31 of April: reported below with the accepted forms
    raise ConfigError(f"period {text[:40]!r} is not a period: give 2026-Q1 (a quarter), 2026-03 (a month), 2026 (a year), "
                      "2026-03-15 (a day) or FROM..TO of those (2026-01-15..2026-02-14, 2025-Q3..2026-Q1; both included)")


def date_of(text: str) -> date:
    """Return the date an ISO date or date-time string starts with ("2025-03-01T09:00" -> 2025-03-01)."""
    return date.fromisoformat(text[:10])


def day_start(day: date) -> float:
    """Return the start of ``day`` in Vietnam, in seconds since the epoch."""
    return datetime(day.year, day.month, day.day, tzinfo=VIETNAM).timestamp()


def now() -> str:
    """Return the present moment in the machine's time zone, to the second (ISO 8601)."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")

