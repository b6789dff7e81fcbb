"""Whether a feed continues the graph it is loaded into, or comes from another world.

The contract carries no source or system id, so a feed is judged by the enterprises it
names (tax codes, in any file) against those the graph holds. A day's or a month's feed
from the administration that built the graph names traders the graph knows: each of the
small world's 59 monthly slices (25 to 55 tax codes), against the graph of the months
before it, names 91 % or more known ones. An independent world names none of them
(another seed of the generator: 0 of 302). Loading one into the other silently
would link two unrelated populations in every score and network, so it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from riskgraph.errors import UnrelatedFeed
from riskgraph.graph.store import Store
from riskgraph.ingest import reader
from riskgraph.ingest.validate import Rejected, validate

SAMPLE_ROWS = 5_000  # rows read from the start of each file: enough to judge, cheap on a feed of millions
MIN_NAMED = 20  # fewer distinct tax codes than this are too few to judge: the feed loads
MIN_KNOWN_SHARE = 0.1  # below this share of known enterprises the feed is another world


@dataclass(frozen=True)
class Overlap:
    named: int  # distinct tax codes the sampled rows name
    known: int  # how many of them the graph holds
    total: int  # enterprises in the graph

    @property
    def unrelated(self) -> bool:
        """Whether the feed looks like another world than the graph's."""
        return self.total > 0 and self.named >= MIN_NAMED and self.known < MIN_KNOWN_SHARE * self.named


def overlap(store: Store, files: list[reader.FeedFile]) -> Overlap:
    """Return how far the enterprises the feed names are known to ``store`` (nothing
    counted for a graph without enterprises). Cost: a count; then reading and validating
    SAMPLE_ROWS rows of each file and one indexed read."""
    total = _first(store.query("enterprises_total"), "total")
    if total == 0:
        return Overlap(0, 0, 0)
    codes = sorted(named_tax_codes(files))
    return Overlap(len(codes), _first(store.query("enterprises_known", {"tax_codes": codes}), "known"), total)


def _first(rows: list[dict[str, Any]], column: str) -> int:
    """Return a count query's number: a backend may answer an aggregate over nothing with no row."""
    return rows[0][column] if rows else 0


def require_related(store: Store, files: list[reader.FeedFile], feed: str) -> None:
    """Raise UnrelatedFeed, with what was measured and what to do, when the feed looks
    like another world than the one ``store`` holds (see Overlap.unrelated)."""
    found = overlap(store, files)
    if found.unrelated:
        raise UnrelatedFeed(
            f"{feed} looks like another world: of the {found.named:,} enterprises (tax codes) its first rows name, "
            f"{found.known:,} are among the {found.total:,} of this graph. Nothing was loaded. If it does belong here "
            f"(another office's or province's traders, or only newly registered enterprises), run "
            f"`riskgraph ingest --merge {feed}`; to keep it apart, give it a graph of its own (--data-dir or RISKGRAPH_GRAPH).")


def named_tax_codes(files: list[reader.FeedFile], limit: int = SAMPLE_ROWS) -> set[str]:
    """Return the distinct tax codes named by the first ``limit`` rows of each file that
    pass validation (normalised as loading normalises them)."""
    codes: set[str] = set()
    for f in files:
        items, _ = reader.rows(f)
        try:
            for item in islice(items, limit):
                if isinstance(item, reader.Problem):
                    continue
                try:
                    record = validate(f.kind, item[1])
                except Rejected:
                    continue
                codes.update(_tax_codes(f.kind, record.params))
        finally:
            items.close()  # the file is closed though rows remain
    return codes


def _tax_codes(kind: str, p: dict[str, Any]) -> list[str]:
    """Return the tax codes in the write parameters of one row (as validate builds them)."""
    if kind == "enterprises":
        return [p["key"]]
    if kind in ("roles", "agents"):
        return [p["tax_code"]]
    if kind == "vehicles":
        return [*p["owners"], *p["operators"]]
    if kind == "declarations":
        return [p["trader"], *p["warehouses"]]
    if kind in ("violations", "intel") and p["subject_kind"] == "enterprise":
        return [p["subject_id"]]
    return []
