"""Dates as customs counts them: calendar months, Vietnam time, timestamps.

Every window of riskgraph (an analysis' history, a training window, a backtest
horizon) is a number of calendar months; times in the feeds are in Vietnam time
(Asia/Ho_Chi_Minh, UTC+7, no daylight saving since 1975) unless they carry an offset.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone

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


def date_of(text: str) -> date:
    """Return the date an ISO date or date-time string starts with ("2025-03-01T09:00" -> 2025-03-01)."""
    return date.fromisoformat(text[:10])


def day_start(day: date) -> float:
    """Return the start of ``day`` in Vietnam, in seconds since the epoch."""
    return datetime(day.year, day.month, day.day, tzinfo=VIETNAM).timestamp()


def now() -> str:
    """Return the present moment in the machine's time zone, to the second (ISO 8601)."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def period(text: str) -> tuple[date, date]:
    """Return the first and last days (both included) of a period written as a quarter
    (``2026-Q1``), a month (``2026-03``), a year (``2026``) or two ISO dates
    (``2026-01-15..2026-02-14``). Raises ValueError saying which forms are accepted."""
    value = text.strip()
    first, dots, last = value.partition("..")
    since = until = None
    try:
        if dots:
            since, until = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        elif m := re.fullmatch(r"(\d{4})", value):
            since, until = date(int(value), 1, 1), date(int(value), 12, 31)
        elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
            since = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            until = add_months(since, 3) - timedelta(days=1)
        elif m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            since = date(int(m[1]), int(m[2]), 1)
            until = add_months(since, 1) - timedelta(days=1)
    except ValueError:  # a month 13 or a 30 February
        since = None
    if since is None:
        raise ValueError(f"period {text!r}: write a quarter (2026-Q1), a month (2026-03), a year (2026) "
                         f"or two dates (2026-01-01..2026-03-31)")
    if until < since:
        raise ValueError(f"period {text!r} ends before it starts")
    return since, until
