"""What every command shares: the store opened for one command, dates, error handling,
and the audit of the changes made from the command line."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import click

from riskgraph import declarations
from riskgraph.api import audit
from riskgraph.api.auth import UNASSIGNED, Principal
from riskgraph.api.feedback import InvalidInput
from riskgraph.errors import ConfigError, RiskgraphError
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


def newest_model(settings: Settings, as_of: str | None):
    """Return the newest selectivity model trained up to ``as_of`` (today when not given);
    raise ConfigError saying to train one when there is none."""
    day = parse_day(as_of)
    model = declarations.newest(settings.models_dir, day)
    if model is None:
        raise ConfigError(f"no selectivity model trained up to {day} in {settings.models_dir}: run `riskgraph train` first")
    return model


BY = click.option("--by", default=getpass.getuser, show_default="your login name", help="Who makes the change (audited).")


def officer(by: str, unit: str | None = None) -> Principal:
    """Return who makes a change from the command line, as the audit log and the records
    name them: key id ``cli``, name ``cli:<by>``, the officer role, ``unit`` (UNASSIGNED
    when not given)."""
    return Principal(key_id="cli", name=f"cli:{by}", role="officer", unit=unit or UNASSIGNED)


def audited(store: Store, who: Principal, operation: str, arguments: dict, receipt: Callable[[object], tuple[dict, bool]],
            change: Callable, *args):
    """Run ``change(*args)`` and audit it as the API audits its writes; return what it
    returned. ``receipt`` maps that to what the entry adds to ``arguments`` and whether the
    call repeated an earlier one (outcome ``repeat``); a change refused for its input is
    audited as ``rejected`` and its error re-raised. Cost: one write more than the change."""
    try:
        result = change(*args)
    except (InvalidInput, ConfigError) as e:
        audit.append_all(store, [audit.entry(who, operation, {**arguments, "refused": str(e)[:200]}, 0, "rejected")])
        raise
    added, repeat = receipt(result)
    audit.append_all(store, [audit.entry(who, operation, {**arguments, **added}, 1, "repeat" if repeat else "ok")])
    return result


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
