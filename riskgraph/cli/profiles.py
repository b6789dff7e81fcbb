"""``riskgraph profile ...``: officers' risk profiles (hồ sơ rủi ro): write, edit, list,
show, history, deactivate and activate, effectiveness, and the learned lines to adopt.
Every change is audited as the API's are (key id ``cli``, the name given with ``--by``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import click

from riskgraph.channels import LANES, Assessor, Policy
from riskgraph.channels import profiles as P
from riskgraph.channels.effectiveness import effectiveness as measure
from riskgraph.channels.effectiveness import stored_records
from riskgraph.cli import output
from riskgraph.cli.common import BY, audited, newest_model, officer, opened, parse_day
from riskgraph.dates import add_months
from riskgraph.errors import ConfigError
from riskgraph.graph import Store
from riskgraph.settings import Settings

COLUMNS = ["profile_id", "version", "active", "lane", "valid_from", "valid_to", "owner_unit", "criteria", "reason"]
HISTORY = ["version", "edited_at", "edited_by", "note", "active", "lane", "valid_from", "valid_to", "criteria"]
EFFECT = ["profile_id", "version", "lane", "hits", "inspected", "found_wrong", "hit_rate", "revenue_vnd", "model_hit_rate", "review"]
FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)


def _audited(s: Store, by: str, operation: str, arguments: dict, fn, *args) -> P.RiskProfile:
    profile, _ = audited(s, officer(by), operation, arguments, lambda r: ({"version": r[0].version}, r[1]), fn, *args)
    return profile


def _say(p: P.RiskProfile) -> None:
    click.echo(f"{p.profile_id} version {p.version} ({'active' if p.active else 'inactive'}, lane {p.lane}, "
               f"valid {p.valid_from} to {p.valid_to or 'open-ended'})")


@click.group()
def profile() -> None:
    """Officers' risk profiles: criteria, lane, reason, instructions, validity, versions."""


def _fields(f):
    for option in reversed([
        click.option("--criteria", help="e.g. 'hs in 8471, 8517* and origin in CN, HK' (docs/selectivity.md)."),
        click.option("--reason", help="Shown to the clearance officer."),
        click.option("--instructions", help="For the examining officer."),
        click.option("--lane", type=click.Choice(LANES)),
        click.option("--owner-unit", help="The unit that owns the profile."),
        click.option("--valid-from", metavar="DATE"),
        click.option("--valid-to", metavar="DATE", help="Last day in force; 'none' for open-ended."),
    ]):
        f = option(f)
    return f


@profile.command("create")
@click.argument("profile_id")
@_fields
@click.option("--inactive", is_flag=True, help="Store it without applying it yet.")
@BY
@click.pass_obj
def create(settings: Settings, profile_id: str, inactive: bool, by: str, **given) -> None:
    """Create a risk profile (version 1); it applies at once unless --inactive."""
    values = {**given, "valid_from": given["valid_from"] or date.today().isoformat(), "active": not inactive}
    values["valid_to"] = None if (given["valid_to"] or "none").lower() == "none" else given["valid_to"]
    with opened(settings) as s:
        _say(_audited(s, by, "createRiskProfile", {"profile_id": profile_id, **values}, P.create, s, values, by, profile_id, f"cli:{by}"))


def _unknown(profile_id: str) -> ConfigError:
    return ConfigError(f"no risk profile {profile_id!r}: see `riskgraph profile list`")


def _change(settings: Settings, profile_id: str, version: int | None, changes: dict, by: str, note: str, operation: str) -> None:
    with opened(settings) as s:
        if version is None:
            current = P.get(s, profile_id)
            if current is None:
                raise _unknown(profile_id)
            version = current.version
        _say(_audited(s, by, operation, {"profile_id": profile_id, "from_version": version, **changes, "note": note},
                      P.edit, s, profile_id, version, changes, by, note, f"cli:{by}"))


VERSION = click.option("--version", "version", type=click.IntRange(1), help="The version you edit from [default: the newest].")
NOTE = click.option("--note", required=True, help="Why (kept with the version).")


@profile.command("edit")
@click.argument("profile_id")
@_fields
@VERSION
@NOTE
@BY
@click.pass_obj
def edit(settings: Settings, profile_id: str, version: int | None, note: str, by: str, **given) -> None:
    """Edit a risk profile: a new version; the old ones are kept."""
    changes = {k: v for k, v in given.items() if v is not None}
    if "valid_to" in changes and changes["valid_to"].lower() == "none":
        changes["valid_to"] = None
    if not changes:
        raise click.UsageError("nothing to change: give at least one of --criteria, --reason, --instructions, --lane, --owner-unit, "
                               "--valid-from, --valid-to")
    _change(settings, profile_id, version, changes, by, note, "editRiskProfile")


@profile.command("deactivate")
@click.argument("profile_id")
@VERSION
@NOTE
@BY
@click.pass_obj
def deactivate(settings: Settings, profile_id: str, version: int | None, note: str, by: str) -> None:
    """Stop applying a risk profile (a new version, inactive)."""
    _change(settings, profile_id, version, {"active": False}, by, note, "setRiskProfileActive")


@profile.command("activate")
@click.argument("profile_id")
@VERSION
@NOTE
@BY
@click.pass_obj
def activate(settings: Settings, profile_id: str, version: int | None, note: str, by: str) -> None:
    """Apply a risk profile again (a new version, active)."""
    _change(settings, profile_id, version, {"active": True}, by, note, "setRiskProfileActive")


@profile.command("list")
@click.option("--active-only", is_flag=True)
@FORMAT
@click.pass_obj
def listed(settings: Settings, active_only: bool, fmt: str) -> None:
    """Every risk profile as its newest version stands."""
    with opened(settings) as s:
        rows = [P.as_dict(p) for p in P.listed(s) if p.active or not active_only]
    output.emit(rows, fmt, COLUMNS, click.echo)


@profile.command("show")
@click.argument("profile_id")
@click.pass_obj
def show(settings: Settings, profile_id: str) -> None:
    """One risk profile, every field."""
    with opened(settings) as s:
        p = P.get(s, profile_id)
    if p is None:
        raise _unknown(profile_id)
    for k, v in P.as_dict(p).items():
        click.echo(f"{k:>13}: {'' if v is None else v}")


@profile.command("history")
@click.argument("profile_id")
@FORMAT
@click.pass_obj
def history(settings: Settings, profile_id: str, fmt: str) -> None:
    """Every version of a risk profile, oldest first."""
    with opened(settings) as s:
        rows = [P.as_dict(p) for p in P.history(s, profile_id)]
    if not rows:
        raise _unknown(profile_id)
    output.emit(rows, fmt, HISTORY, click.echo)


@profile.command("effectiveness")
@click.option("--from", "since", metavar="DATE", help="First day of the period [default: 12 months before --until].")
@click.option("--until", metavar="DATE", help="Last day of the period [default: the current analysis' as-of date].")
@click.option("--review", is_flag=True, help="Only the profiles listed for review.")
@FORMAT
@click.pass_obj
def effectiveness(settings: Settings, since: str | None, until: str | None, review: bool, fmt: str) -> None:
    """Hits, inspected, found wrong, hit rate and revenue recovered per profile over a period;
    the ones that never hit or fall below the model's hit rate are listed for review."""
    with opened(settings) as s:
        assessor = Assessor(s, Policy(), settings.models_dir)
        end = parse_day(until or assessor.as_of)
        start = parse_day(since) if since else add_months(end, -12)
        records, outcomes = stored_records(s, start, end)
        rows = [asdict(r) for r in measure(s, P.listed(s), records, outcomes, assessor.scores(records)) if r.review or not review]
    if fmt == "table":
        click.echo(f"{start} to {end}: {len(records):,} declarations, {sum(o['inspected'] for o in outcomes.values()):,} inspected; "
                   f"model: {assessor.basis if assessor.model is None else assessor.model.version}")
    output.emit(rows, fmt, EFFECT, click.echo)


def _lines(settings: Settings, as_of: str | None, min_support: int) -> list[dict]:
    return P.suggestions(newest_model(settings, as_of), min_support)


AS_OF = click.option("--as-of", "as_of", metavar="DATE", help="Use the newest model trained up to this date [default: today].")
SUPPORT = click.option("--min-support", type=click.IntRange(1), default=P.MIN_SUPPORT, show_default=True,
                       help="Declarations in the model's last quarter.")


@profile.command("suggest")
@AS_OF
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True)
@SUPPORT
@FORMAT
@click.pass_obj
def suggest(settings: Settings, as_of: str | None, top: int, min_support: int, fmt: str) -> None:
    """The learned HS x origin x procedure lines as criteria an officer can adopt."""
    rows = _lines(settings, as_of, min_support)[:top]
    output.emit(rows, fmt, ["rank", "criteria", "learned_risk", "declarations", "inspections", "discrepancy_rate"], click.echo)


@profile.command("adopt")
@click.argument("rank", type=click.IntRange(1))
@AS_OF
@SUPPORT
@click.option("--id", "profile_id", help="The new profile's id [default: LEARNED-<hs6>-<origin>-<procedure>].")
@click.option("--lane", type=click.Choice(LANES), default=P.SUGGESTED_LANE, show_default=True,
              help="Red only with evidence beyond the model's: the line restates the model's own scores.")
@click.option("--owner-unit", required=True, help="The unit that owns the profile.")
@click.option("--reason", help="Shown to the clearance officer [default: what the model learned of the line].")
@click.option("--valid-to", metavar="DATE", help="Last day in force [default: open-ended].")
@BY
@click.pass_obj
def adopt(settings: Settings, rank: int, as_of: str | None, min_support: int, profile_id: str | None, lane: str, owner_unit: str,
          reason: str | None, valid_to: str | None, by: str) -> None:
    """Create a risk profile from suggestion RANK of `riskgraph profile suggest`."""
    line = P.chosen(_lines(settings, as_of, min_support), rank)
    default_id, values = P.adoption(line, owner_unit, lane, reason, valid_to)
    profile_id = profile_id or default_id
    with opened(settings) as s:
        _say(_audited(s, by, "adoptProfileSuggestion", {"rank": rank, "min_support": min_support, "profile_id": profile_id, **values},
                      P.create, s, values, by, profile_id, f"cli:{by}"))
