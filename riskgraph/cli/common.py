"""What every command shares: the store opened for one command, dates, error handling."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import click

from riskgraph.errors import RiskgraphError
from riskgraph.graph import Store, open_store
from riskgraph.settings import Settings


@contextmanager
def opened(settings: Settings) -> Iterator[Store]:
    """Open the store ``settings`` choose for one command; close it however the command ends."""
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()


def parse_day(value: str | None) -> date:
    """Return the date of a ``--as-of`` option (today when not given)."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def exit_on_signal(signum: int, _frame: object) -> None:
    """Exit as an uncaught signal would, through ``finally``: the store is closed and the
    embedded server shut down."""
    raise SystemExit(128 + signum)


class Group(click.Group):
    """Turns riskgraph's own errors into one readable line and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except RiskgraphError as e:
            click.echo(f"riskgraph: {e}", err=True)
            sys.exit(1)
