"""``riskgraph queue``: the monitoring queue (trực ban trực tuyến) of declarations in
clearance, newest first with their alerts, as the API's ``monitoringQueue`` serves it
(riskgraph.api.monitor); with ``--follow``, the entries as they arrive, by polling the store."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict

import click

from riskgraph.api import monitor
from riskgraph.api.monitor import Item
from riskgraph.channels import LANES
from riskgraph.channels.monitoring import KINDS
from riskgraph.cli import output
from riskgraph.cli.common import opened
from riskgraph.entities import current
from riskgraph.settings import Settings


def watch(read: Callable[[], list[Item]], every: float, show: Callable[[list[Item], bool], None],
          wait: Callable[[float], None]) -> None:
    """Show the items ``read`` returns (a queue page, newest first) oldest first, then every
    ``every`` seconds (``wait``) those not shown yet, in the order they came, until
    interrupted; ``show`` is also told whether it shows the first batch. An item is known by its time,
    declaration number and source, and only those of the last page are remembered: an entry
    that arrives already older than the whole page is not shown. Cost: one ``read`` a poll."""
    shown: set[tuple[str, str, str]] | None = None
    while True:
        items = read()
        fresh = [i for i in items if shown is None or (i.at, i.declaration_no, i.source) not in shown]
        if fresh or shown is None:
            show(fresh[::-1], shown is None)
        shown = {(i.at, i.declaration_no, i.source) for i in items}
        wait(every)


def _show(items: list[Item], fmt: str, first: bool, lines: bool) -> None:
    """Print queue items; ``first``: the first batch (the CSV header); ``lines``: JSON one
    object a line, as batches follow one another."""
    if fmt == "json":
        if lines:
            for i in items:
                click.echo(json.dumps(asdict(i), ensure_ascii=False))
        else:
            click.echo(json.dumps([asdict(i) for i in items], ensure_ascii=False, indent=1))
    elif fmt == "csv":
        if items or first:
            click.echo(output.csv_bytes(output.queue_rows(items), output.QUEUE_COLUMNS, header=first))
    else:
        for i in items:
            for line in output.queue_text(i):
                click.echo(line)


@click.command("queue")
@click.option("--office", help="Only declarations of this customs office (code).")
@click.option("--gate", help="Only declarations through this border gate.")
@click.option("--lane", type=click.Choice(LANES), help="Only declarations assessed to this lane.")
@click.option("--alert", "kinds", type=click.Choice(KINDS), multiple=True,
              help="Only declarations with an alert of this kind; repeat for any of several.")
@click.option("--source", type=click.Choice(["assessed", "ingested"]),
              help="Only those assessed through the API, or only those ingested recently [default: both].")
@click.option("--first", type=click.IntRange(1, 1000), default=50, show_default=True, help="How many, newest first.")
@click.option("--follow", is_flag=True, help="Then print new entries as they arrive, until Ctrl-C.")
@click.option("--every", type=click.FloatRange(min=0.5), default=2.0, show_default=True, metavar="SECONDS",
              help="With --follow: how often to read the queue.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="With --follow, json is one object a line.")
@click.pass_obj
def queue(settings: Settings, office: str | None, gate: str | None, lane: str | None, kinds: tuple[str, ...], source: str | None,
          first: int, follow: bool, every: float, fmt: str) -> None:
    """The monitoring queue: declarations assessed through the API or ingested recently
    (since the current analysis, or in the week before the newest registration if that is
    earlier), newest first, with their alerts. Filtered by --alert, it looks through at most
    2,000 declarations. With --follow it starts oldest first, so that the newest is last."""
    filters = monitor.Filters(office, gate, lane, frozenset(kinds), source)
    with opened(settings) as s:
        def read() -> list[Item]:
            analysis = current(s)  # read at each poll: an analysis run meanwhile moves the queue's window
            return monitor.page(s, first, None, filters, analysis and analysis["as_of"])[0]

        if not follow:
            items = read()
            _show(items, fmt, True, False)
            if not items and fmt == "table":
                click.echo("queue: no declaration in clearance meets the filters", err=True)
            return
        try:
            watch(read, every, lambda items, start: _show(items, fmt, start, True), time.sleep)
        except KeyboardInterrupt:
            pass
