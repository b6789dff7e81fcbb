"""The GraphQL schema: queries and mutations, each a thin resolver over the read and
write modules. Who may call what is decided before execution (see ``access``); what is
audited is decided here, next to the operation.

Resolvers run store work on the API's store thread (``Context.run``): the embedded store
is used by one thread at a time, and the event loop stays free to parse other requests.
"""

from __future__ import annotations

import base64
import math
from datetime import date
from functools import partial
from typing import Annotated, Optional

import strawberry
from strawberry.types import Info

from riskgraph import entities
from riskgraph.api import access, audit, auth, dossier, feedback, limits, links, monitor, risk, search, tips, types
from riskgraph.api.types import EntityKind, EntityRef
from riskgraph.channels import Assessor, audit_plan, profiles
from riskgraph.channels.effectiveness import effectiveness, stored_records
from riskgraph.dates import add_months
from riskgraph.dates import period as parse_period
from riskgraph.errors import ConfigError
from riskgraph.evaluation import compliance as cm
from riskgraph.ingest.validate import Rejected, validate

# Days in a period (both ends included) that the API takes, on the store thread clearance shares:
MAX_PLAN_DAYS = 92  # an audit plan: a quarter
MAX_COMPLIANCE_DAYS = 366  # a compliance report: a year (docs/api.md: its read measured on the demo world)


class UserError(Exception):
    """A request that cannot be answered as asked; ``code`` goes to extensions.code."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT"):
        super().__init__(message)
        self.code = code


def _ref(ref: EntityRef) -> tuple[str, str]:
    key = ref.id.strip()
    if not 1 <= len(key) <= 64 or any(ord(c) < 32 for c in key):
        raise UserError("id: an entity id is 1-64 printable characters")
    return ref.kind.value, key


def _period(text: str, most_days: int, most: str, command: str) -> tuple[date, date]:
    """Return the first and last day of a reporting period of at most ``most_days`` days
    (``most``: "a quarter"); a longer one is refused, pointing to the CLI ``command``."""
    try:
        since, until = parse_period(text)
    except ConfigError as e:
        raise UserError(f"period: {e}") from None
    if (until - since).days >= most_days:
        raise UserError(f"period: at most {most} ({most_days} days) through the API; for a longer one use `{command}`")
    return since, until


def _page(first: int) -> int:
    if not 0 <= first <= limits.MAX_PAGE:
        raise UserError(f"first: must be between 0 and {limits.MAX_PAGE}")
    return first


LinkGroups = Annotated[Optional[list[types.LinkGroup]], strawberry.argument(name="links")]


def _walk(groups: list[types.LinkGroup] | None, hub: int) -> tuple[tuple[types.LinkGroup, ...], int]:
    """Return the link groups a walk follows (the default ones when none are named) and its hub limit."""
    if groups is not None and not groups:
        raise UserError("links: name at least one link group, or leave it out for the default ones")
    if not 1 <= hub <= links.MAX_HUB_LINKS:
        raise UserError(f"hubLimit: must be between 1 and {links.MAX_HUB_LINKS}")
    return tuple(dict.fromkeys(groups or links.DEFAULT_GROUPS)), hub


def _cursor(analysis: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{analysis}|{offset}".encode()).decode()


def _offset(after: Optional[str], analysis: str) -> int:
    if after is None:
        return 0
    try:
        tag, _, offset = base64.urlsafe_b64decode(after.encode()).decode().rpartition("|")
        if tag != analysis:
            raise UserError("after: the list changed since this cursor was issued (a new analysis); start again", "STALE_CURSOR")
        if not 0 <= int(offset) < 2**31:  # a forged offset would reach the store as a negative or huge SKIP
            raise ValueError(offset)
        return int(offset) + 1
    except (ValueError, UnicodeDecodeError):
        raise UserError("after: not a cursor this API issued") from None


@strawberry.type
class Query:
    @strawberry.field(description="The caller: the key's name and role, and the restricted fields (Type.field) the role may "
                                  "read; a client hides the others and says they are withheld.")
    def me(self, info: Info) -> types.Me:
        principal = info.context.principal
        readable = sorted(c for c in access.FIELDS if access.allowed(principal.role, c))
        return types.Me(name=principal.name, role=principal.role, unit=principal.unit, readable=readable)

    @strawberry.field(description="One entity's identity and risk.")
    async def entity(self, info: Info, kind: EntityKind, id: str) -> Optional[types.Entity]:
        found = (await info.context.entities([_ref(EntityRef(kind=kind, id=id))]))[0]
        return found if found.known or found.risk.score > 0 else None

    @strawberry.field(description="Risk of up to 1,000 entities at once, for clearance systems; unknown ones score 0.")
    async def entity_risk(self, info: Info, refs: list[EntityRef]) -> list[types.EntityRisk]:
        if len(refs) > limits.MAX_REFS:
            raise UserError(f"refs: at most {limits.MAX_REFS} per request")
        found = await info.context.entities([_ref(r) for r in refs])
        return [types.EntityRisk(kind=e.kind, id=e.id, known=e.known, risk=e.risk) for e in found]

    @strawberry.field(description="Channel, score and reasons for a declaration not yet stored; nothing is written to "
                                  "the graph, and the assessment joins the monitoring queue (after the answer).")
    async def assess_declaration(self, info: Info, input: types.DeclarationInput) -> types.Assessment:
        values = {k: (";".join(v) if isinstance(v, list) else v) for k, v in vars(input).items() if v is not None}
        try:
            params = validate("declarations", values).params
        except Rejected as e:
            raise UserError(f"{e.field}: {e.reason}") from None
        ctx = info.context
        assessor: Assessor = await ctx.assessor()
        a = (await ctx.run(assessor.assess, [params]))[0]
        ctx.monitored(params, a)
        return types.Assessment(
            declaration_no=a.declaration_no, channel=types.Channel(a.channel), score=a.score, random=a.random,
            probability=a.probability, basis=a.basis, as_of=date.fromisoformat(assessor.as_of), model_version=assessor.model_version,
            reasons=[types.Reason(factor=p, contribution=c, detail=d) for p, c, d in a.reasons],
            profile_hits=[types.ProfileHit(profile_id=h.profile_id, version=h.version, lane=types.Channel(h.lane), reason=h.reason,
                                           instructions=h.instructions) for h in a.hits])

    @strawberry.field(description="The monitoring queue (trực ban trực tuyến): declarations in clearance, assessed through "
                                  "the API or ingested recently (since the current analysis, or in the week before the newest "
                                  "registration if that is earlier), newest first, with their alerts; of one "
                                  "office, gate, lane or source, and with an alert of one of alertKinds, when given. Filtered by alert "
                                  "kind, a page looks through at most 2,000 declarations and may come back short with a next page.")
    async def monitoring_queue(self, info: Info, first: int = 50, after: Optional[str] = None, office: Optional[str] = None,
                               gate: Optional[str] = None, lane: Optional[types.Channel] = None,
                               alert_kinds: Optional[list[types.AlertKind]] = None,
                               source: Optional[types.QueueSource] = None) -> types.QueueConnection:
        first = _page(first)
        start = None if after is None else monitor.position(after)
        if after is not None and start is None:
            raise UserError("after: not a cursor this API issued")
        filters = monitor.Filters(office, gate, lane.value if lane else None, frozenset(k.value for k in alert_kinds or ()),
                                  source.value if source else None)
        ctx = info.context
        current = await ctx.current()
        items, more, end = await ctx.run(monitor.page, ctx.store, first, start, filters, current and current["as_of"])
        edges = [types.QueueEdge(cursor=monitor.cursor((i.at, i.declaration_no)), node=queue_item(i)) for i in items]
        return types.QueueConnection(edges=edges, page_info=types.PageInfo(
            has_next_page=more, end_cursor=monitor.cursor(end) if end else None))

    @strawberry.field(description="Post-clearance audit plan: the green-lane declarations registered in `period` (2026-Q1, "
                                  "2026-03 or 2026-01-01..2026-03-31; at most a quarter, longer ones from the CLI) to audit, at "
                                  "least `share` of them, and their enterprises; `first` of each are returned.")
    async def audit_plan(self, info: Info, period: str, share: float = audit_plan.DEFAULT_SHARE,
                         first: int = 100) -> types.AuditPlan:
        since, until = _period(period, MAX_PLAN_DAYS, "a quarter", "riskgraph audit-plan")
        if not (math.isfinite(share) and 0 < share <= 1):
            raise UserError("share: must be more than 0 and at most 1")
        first = _page(first)
        ctx = info.context
        assessor: Assessor = await ctx.assessor()
        found = await ctx.run(audit_plan.plan, ctx.store, assessor, since, until, share)
        await ctx.audit("auditPlan", {"period": period, "share": share, "first": first}, len(found.picks))
        return types.AuditPlan(
            since=found.since, until=found.until, share=found.share, green_declarations=found.green, selected=len(found.picks),
            basis=found.basis,
            declarations=[types.AuditDeclaration(
                rank=p.rank, declaration_no=p.candidate.declaration_no, registered_on=date.fromisoformat(p.candidate.registered_on),
                trader=p.candidate.trader, trader_name=p.candidate.trader_name, office_code=p.candidate.office_code,
                hs_code=p.candidate.hs_code, score=p.candidate.score, tax_vnd=p.candidate.tax_vnd, value_usd=p.candidate.value_usd,
                stake_vnd=p.stake_vnd, at_risk_vnd=p.at_risk_vnd, priority=p.priority,
                reasons=[types.Reason(factor=f, contribution=c, detail=d) for f, c, d in p.reasons])
                for p in found.picks[:first]],
            enterprises=[types.AuditEnterprise(
                rank=e.rank, tax_code=e.trader, name=e.name, selected=e.selected, stake_vnd=e.stake_vnd, at_risk_vnd=e.at_risk_vnd,
                score=e.score, band=types.Band(e.band) if e.band else None) for e in found.enterprises[:first]])

    @strawberry.field(description="The key-target file: identity, roles, shared identifiers, trade, violations, intel, networks, "
                                  "neighbours.")
    async def dossier(self, info: Info, kind: EntityKind, id: str) -> Optional[types.Dossier]:
        ref = _ref(EntityRef(kind=kind, id=id))
        ctx = info.context
        current = await ctx.current()
        found = await ctx.run(dossier.dossier, ctx.store, ref[0], ref[1], current)
        await ctx.audit("dossier", {"kind": ref[0], "id": ref[1]}, 0 if found is None else 1 + len(found.intel) + len(found.violations))
        return found

    @strawberry.field(description="The key-target list (danh sách trọng điểm) of one kind, riskiest first.")
    async def key_targets(self, info: Info, kind: EntityKind, first: int = 20, after: Optional[str] = None,
                          min_score: float = 0.0, province: Optional[str] = None,
                          band: Optional[types.Band] = None) -> types.EntityConnection:
        ctx = info.context
        current = await ctx.current()
        if current is None:
            return types.EntityConnection(total_count=0, edges=[], page_info=types.PageInfo(has_next_page=False, end_cursor=None))
        skip, first = _offset(after, current["analysis_id"]), _page(first)
        if not math.isfinite(min_score):  # 1e400 in a query is infinity, which the store cannot take
            raise UserError("minScore: must be a finite number")
        filters = {"min_score": min_score, "province": province, "band": band.value if band else None}

        def read():
            rows = entities.key_target_rows(ctx.store, kind.value, skip=skip, limit=first, **filters)
            total = entities.key_target_count(ctx.store, kind.value, **filters)
            # The page's rows carry the scores: only identities are read again.
            found = risk.identities(ctx.store, [tuple(r["entity"].split(":", 1)) for r in rows])
            return rows, total, [risk.entity(found[r["entity"]], risk.stored(r), current) for r in rows]

        rows, total, found = await ctx.run(read)
        edges = [types.EntityEdge(cursor=_cursor(current["analysis_id"], skip + i), node=e) for i, e in enumerate(found)]
        return types.EntityConnection(total_count=total, edges=edges, page_info=types.PageInfo(
            has_next_page=skip + len(rows) < total, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Suspicious networks of the current analysis, by rank.")
    async def suspicious_networks(self, info: Info, first: int = 10, after: Optional[str] = None) -> types.NetworkConnection:
        ctx = info.context
        current = await ctx.current()
        if current is None:
            return types.NetworkConnection(total_count=0, edges=[], page_info=types.PageInfo(has_next_page=False, end_cursor=None))
        skip, first = _offset(after, current["analysis_id"]), _page(first)

        rows, total = await ctx.run(partial(entities.network_rows, ctx.store, skip=skip, limit=first))
        edges = [types.NetworkEdge(cursor=_cursor(current["analysis_id"], skip + i), node=dossier.network(r)) for i, r in enumerate(rows)]
        return types.NetworkConnection(total_count=total, edges=edges, page_info=types.PageInfo(
            has_next_page=skip + len(rows) < total, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Find entities by name (with or without diacritics), tax code, phone, plate or container number.")
    async def search(self, info: Info, text: str, kinds: Optional[list[EntityKind]] = None, first: int = 20) -> list[types.SearchHit]:
        text, first = text.strip(), _page(first)
        if not 2 <= len(text) <= 200:
            raise UserError("text: search for 2 to 200 characters")
        ctx = info.context
        wanted = {k.value for k in kinds} if kinds else {k.value for k in EntityKind}
        current = await ctx.current()

        def read():
            try:
                hits = ctx.search_index.search(ctx.store, text, wanted, first)
            except search.IndexBuilding as e:
                raise UserError(str(e), "SEARCH_NOT_READY") from None
            return hits, risk.entities(ctx.store, [(h.kind, h.key) for h in hits], current)

        hits, found = await ctx.run(read)
        return [types.SearchHit(entity=e, matched=h.matched) for h, e in zip(hits, found)]

    @strawberry.field(description="Shortest paths between two entities over the links an investigator follows, with the "
                                  "facts of each hop; hubs (more links than hubLimit) are not walked through and are listed.")
    async def connection(self, info: Info, source: Annotated[EntityRef, strawberry.argument(name="from")],
                         target: Annotated[EntityRef, strawberry.argument(name="to")],
                         max_hops: int = 4, link_groups: LinkGroups = None,
                         hub_limit: int = links.HUB_LINKS) -> Optional[types.ConnectionResult]:
        if not 1 <= max_hops <= 6:
            raise UserError("maxHops: must be between 1 and 6")
        groups, hub = _walk(link_groups, hub_limit)
        a, b = _ref(source), _ref(target)
        ctx = info.context
        found = await ctx.run(partial(links.connection, ctx.store, a, b, max_hops, groups, hub))
        await ctx.audit("connection", {"source": ":".join(a), "target": ":".join(b), "max_hops": max_hops,
                                       "links": sorted(g.value for g in groups), "hub_limit": hub},
                        len(found.paths) if found else 0)
        return found

    @strawberry.field(description="Nodes and edges within a few hops of an entity (kind and id), or of a node of a "
                                  "link chart (nodeId: a phone, an address, a declaration), for a link chart; hubs (more "
                                  "links than hubLimit) are shown but not expanded, and listed.")
    async def neighbourhood(self, info: Info, kind: Optional[EntityKind] = None, id: Optional[str] = None,
                            node_id: Optional[strawberry.ID] = None, depth: int = 1, limit: int = 100,
                            link_groups: LinkGroups = None,
                            hub_limit: int = links.HUB_LINKS) -> Optional[types.Neighbourhood]:
        if not 1 <= depth <= 3:
            raise UserError("depth: must be between 1 and 3")
        limit = _page(limit)
        groups, hub = _walk(link_groups, hub_limit)
        if (node_id is None) == (kind is None or id is None):
            raise UserError("name the start either by kind and id, or by nodeId")
        if node_id is not None:
            if not str(node_id).isdigit() or len(str(node_id)) > 18:
                raise UserError("nodeId: the nodeId of a node a link chart shows")
            start: tuple[str, str] | int = int(node_id)
            described = {"node": int(node_id)}
        else:
            start = _ref(EntityRef(kind=kind, id=id))
            described = {"entity": ":".join(start)}
        ctx = info.context
        found = await ctx.run(partial(links.neighbourhood, ctx.store, start, depth, limit, groups, hub))
        await ctx.audit("neighbourhood", {**described, "depth": depth, "limit": limit,
                                          "links": sorted(g.value for g in groups), "hub_limit": hub},
                        len(found.nodes) if found else 0)
        return found

    @strawberry.field(description="Open watchlist entries (manual key targets), newest first.")
    async def watchlist(self, info: Info, first: int = 50, after: Optional[str] = None) -> types.WatchlistConnection:
        ctx = info.context
        skip, first = _offset(after, "watchlist"), _page(first)

        def read():
            return ctx.store.query("watchlist_open", {"skip": skip, "limit": first}), ctx.store.query("watchlist_count")[0]["total"]

        rows, total = await ctx.run(read)
        entries = [types.WatchlistEntry(**r) for r in rows]
        return types.WatchlistConnection(total_count=total, entries=entries, page_info=types.PageInfo(
            has_next_page=skip + len(rows) < total, end_cursor=_cursor("watchlist", skip + len(rows) - 1) if rows else None))

    @strawberry.field(description="Tips (tin báo) raised in a period (2026-Q1, 2026-03, 2026, 2026-03-15 or FROM..TO (2025-Q3..2026-Q1)), "
                                  "newest first, optionally of one unit or officer, with their current outcome.")
    async def tips(self, info: Info, period: str, unit: Optional[str] = None, officer: Optional[str] = None, first: int = 50,
                   skip: int = 0) -> list[types.Tip]:
        since, until = parse_period(period)
        if not 0 <= skip < 2**31:
            raise UserError("skip: must be 0 or more")
        ctx = info.context
        rows = await ctx.run(partial(tips.listed, ctx.store, since, until, unit=unit, officer=officer, skip=skip, limit=_page(first)))
        return [_tip(r) for r in rows]

    @strawberry.field(description="Per unit or per officer, the tips raised in a period: raised, checked, found a violation, "
                                  "hit rate (found / checked, with its 95% Wilson interval) and revenue (back tax and fines); "
                                  "the last row, unit \"(all)\", is every tip of the period; only a tip's current outcome counts.")
    async def tip_statistics(self, info: Info, period: str, by: types.TipGrouping = types.TipGrouping.UNIT) -> list[types.TipStatistics]:
        since, until = parse_period(period)
        ctx = info.context
        rows = await ctx.run(tips.statistics, ctx.store, since, until, by.value)
        return [types.TipStatistics(**r) for r in rows]

    @strawberry.field(description="Every API key (never the key itself).")
    async def api_keys(self, info: Info) -> list[types.ApiKeyInfo]:
        ctx = info.context
        rows = await ctx.run(auth.listed, ctx.store)
        await ctx.audit("apiKeys", {}, len(rows))
        return [types.ApiKeyInfo(**r) for r in rows]

    @strawberry.field(description="The audit log, newest first.")
    async def audit_log(self, info: Info, first: int = 100, before: Optional[str] = None, key_name: Optional[str] = None,
                        operation: Optional[str] = None) -> list[types.AuditRecord]:
        ctx = info.context
        rows = await ctx.run(lambda: audit.entries(ctx.store, limit=_page(first), key_name=key_name, operation=operation, before=before))
        await ctx.audit("auditLog", {"first": first, "before": before, "key_name": key_name, "operation": operation}, len(rows))
        return [types.AuditRecord(**r) for r in rows]

    @strawberry.field(description="Officers' risk profiles as their newest versions stand, by id.")
    async def risk_profiles(self, info: Info, active_only: bool = False) -> list[types.RiskProfile]:
        ctx = info.context
        return [_profile(p) for p in await ctx.run(profiles.listed, ctx.store) if p.active or not active_only]

    @strawberry.field(description="One risk profile as its newest version stands.")
    async def risk_profile(self, info: Info, id: str) -> Optional[types.RiskProfile]:
        ctx = info.context
        found = await ctx.run(profiles.get, ctx.store, id)
        return None if found is None else _profile(found)

    @strawberry.field(description="Every version of a risk profile, oldest first.")
    async def risk_profile_history(self, info: Info, id: str) -> list[types.RiskProfile]:
        ctx = info.context
        return [_profile(p) for p in await ctx.run(profiles.history, ctx.store, id)]

    @strawberry.field(description="Each risk profile's hits, inspections, findings, hit rate and revenue recovered over the "
                                  "declarations registered in a period (at most 24 months), and why it is listed for review.")
    async def profile_effectiveness(self, info: Info, since: Annotated[date, strawberry.argument(name="from")],
                                    until: date) -> list[types.ProfileEffectiveness]:
        if not since <= until <= add_months(since, 24):
            raise UserError("from, until: a period of one day to 24 months, from before until")
        ctx = info.context
        assessor: Assessor = await ctx.assessor()

        def measure():
            records, outcomes = stored_records(ctx.store, since, until)
            return effectiveness(ctx.store, profiles.listed(ctx.store), records, outcomes, assessor.scores(records))

        return [types.ProfileEffectiveness(**{**vars(r), "lane": types.Channel(r.lane)}) for r in await ctx.run(measure)]

    @strawberry.field(description="The learned HS x origin x procedure lines of the selectivity model the API assesses with, "
                                  "riskiest first, with at least minSupport declarations in its last quarter of training: "
                                  "criteria an officer can adopt (adoptProfileSuggestion). NO_MODEL without a trained model.")
    async def profile_suggestions(self, info: Info, min_support: int = profiles.MIN_SUPPORT,
                                  first: int = 20) -> list[types.ProfileSuggestion]:
        first = _page(first)
        lines, version = await _suggestions(info, min_support)
        return [_suggestion(line, version) for line in lines[:first]]

    @strawberry.field(description="Compliance measurement (đo lường tuân thủ) of the declarations registered in `period` "
                                  "(2026-Q1, 2026-03, 2026 or FROM..TO; at most a year, longer ones from `riskgraph compliance`): "
                                  "the non-compliance rate from random-selection inspections with its 95% Wilson interval, "
                                  "overall and per HS chapter, office, origin and lane (groups of fewer than minN inspections "
                                  "marked small), and targeted against random inspections. Violations decided up to asOf "
                                  "(default today) count.")
    async def compliance(self, info: Info, period: str, min_n: int = cm.MIN_N,
                         as_of: Optional[date] = None) -> types.ComplianceReport:
        since, until = _period(period, MAX_COMPLIANCE_DAYS, "a year", "riskgraph compliance")
        if not 1 <= min_n <= 10_000:
            raise UserError("minN: must be between 1 and 10,000")
        day = as_of or date.today()
        ctx = info.context
        found = await ctx.run(cm.inspections, ctx.store, since, until, day)
        return _compliance(cm.measure(found, since, until, day, min_n))


def _profile(p: profiles.RiskProfile) -> types.RiskProfile:
    return types.RiskProfile(**{**profiles.as_dict(p), "lane": types.Channel(p.lane), "valid_from": date.fromisoformat(p.valid_from),
                                "valid_to": p.valid_to and date.fromisoformat(p.valid_to)})


async def _suggestions(info: Info, min_support: int) -> tuple[list[dict], str]:
    """Return the suggestions of the model the assessor uses and its version."""
    if not 1 <= min_support <= 1_000_000:
        raise UserError("minSupport: must be between 1 and 1,000,000")
    model = (await info.context.assessor()).model
    if model is None:
        raise UserError("no selectivity model in use: run `riskgraph train` (the API picks it up within seconds)", "NO_MODEL")
    return profiles.suggestions(model, min_support), model.version


def _suggestion(line: dict, version: str) -> types.ProfileSuggestion:
    return types.ProfileSuggestion(
        rank=line["rank"], hs6=line["hs6"], origin_country=line["origin_country"] or "", procedure_code=line["procedure_code"] or "",
        criteria=line["criteria"], learned_risk=line["learned_risk"], declarations=line["declarations"],
        inspections=line["inspections"], discrepancies=line["discrepancies"], discrepancy_rate=line["discrepancy_rate"],
        model_version=version)


def _rate(r: cm.Rate) -> types.ComplianceRate:
    return types.ComplianceRate(found=r.found, n=r.n, rate=r.rate, low=r.low, high=r.high, small=r.small)


def _compliance(report: cm.Report) -> types.ComplianceReport:
    def groups(dimension: str) -> list[types.ComplianceGroup]:
        return [types.ComplianceGroup(value=g.value, rate=_rate(g.rate), revenue_vnd=g.revenue_vnd) for g in report.groups[dimension]]

    t = report.targeting
    return types.ComplianceReport(
        since=date.fromisoformat(report.date_from), until=date.fromisoformat(report.date_to), as_of=date.fromisoformat(report.as_of),
        min_n=report.min_n, random_inspections=report.inspections["random"], targeted_inspections=report.inspections["targeted"],
        unstated_inspections=report.inspections[cm.UNSTATED], overall=_rate(report.overall),
        hs_chapters=groups("hs_chapter"), offices=groups("office"), origins=groups("origin"), lanes=groups("lane"),
        targeting=types.ComplianceTargeting(
            targeted=_rate(t.targeted), random=_rate(t.random), lift=t.lift, lift_low=t.lift_low, lift_high=t.lift_high,
            revenue_per_targeted_vnd=t.revenue_per_targeted_vnd, revenue_per_random_vnd=t.revenue_per_random_vnd))


def _profile_fields(given: types.RiskProfileInput) -> dict:
    """Return the fields an input names (lanes and dates as the store keeps them)."""
    out = {k: v for k, v in vars(given).items() if v is not None and k != "clear_valid_to"}
    if "lane" in out:
        out["lane"] = out["lane"].value
    for k in ("valid_from", "valid_to"):
        if k in out:
            out[k] = out[k].isoformat()
    if given.clear_valid_to:
        out["valid_to"] = None
    return out


async def _profile_change(info: Info, operation: str, arguments: dict, fn, *args) -> Optional[types.RiskProfile]:
    """Run a risk profile change, audit it, and have the assessor rebuilt with it; None
    (audited with result size 0) when it names no stored profile."""
    ctx = info.context
    done = await ctx.attempt(operation, arguments, fn, *args)
    if done is None:
        await ctx.audit(operation, arguments, 0)
        return None
    changed, repeat = done
    await ctx.audit(operation, {**arguments, "version": changed.version}, 1, "repeat" if repeat else "ok")
    ctx.services.profiles_changed()
    return _profile(changed)


def _edit_known(store, profile_id: str, *args) -> tuple[profiles.RiskProfile, bool] | None:
    return None if profiles.get(store, profile_id) is None else profiles.edit(store, profile_id, *args)


def queue_item(i: monitor.Item) -> types.QueueItem:
    return types.QueueItem(
        declaration_no=i.declaration_no, at=i.at, source=types.QueueSource(i.source), office=i.office_code, gate=i.border_gate,
        trader=i.trader, lane=types.Channel(i.lane) if i.lane else None, score=i.score, basis=i.basis,
        hits=[types.QueueHit(profile_id=h["profile_id"], version=h["version"], lane=h["lane"], reason=h["reason"]) for h in i.hits],
        alerts=[types.QueueAlert(kind=types.AlertKind(a.kind), sentence=a.sentence) for a in i.alerts])


IDEMPOTENCY_KEY = ("A key of your choosing, 1-100 printable characters, that makes a retry safe: the same request sent again "
                   "with the same key by the same API key stores nothing new, changes no score and returns the first answer "
                   "(audited with outcome \"repeat\"); the same key with a different request is refused. Keys of other API "
                   "keys never collide with yours.")


def _outcome(receipt: dict) -> str:
    """Return the audited outcome of a write: "repeat" when it stored nothing new."""
    return "repeat" if receipt["repeat"] else "ok"


def _tip(row: dict, history: list[dict] | None = None) -> types.Tip:
    """Return a tip as read by ``tip_find`` or ``tips.listed``, with its outcome history."""

    def outcome(r: dict) -> types.TipOutcome:
        return types.TipOutcome(version=r.get("version") or r["outcome_version"], violation_found=r["violation_found"],
                                back_tax_vnd=r["back_tax_vnd"], fine_vnd=r["fine_vnd"], revenue_vnd=r["back_tax_vnd"] + r["fine_vnd"],
                                note=r["note"], checked_on=r["checked_on"], checked_by=r["checked_by"],
                                checked_unit=r["checked_unit"], checked_at=r["checked_at"])

    return types.Tip(tip_id=row["tip_id"], declaration_no=row["declaration_no"], lane=types.Channel(row["lane"]),
                     lane_before=row["lane_before"], reason=row["reason"], officer=row["officer"], unit=row["unit"],
                     raised_at=row["raised_at"], outcome=outcome(row) if row["outcome_version"] else None,
                     history=[outcome(h) for h in history or []])


def _keyed(arguments: dict, key: Optional[str]) -> dict:
    """Return the audited arguments of a write, with its idempotency key if one was given."""
    return arguments if key is None else {**arguments, "idempotency_key": key}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Submit an intelligence report; the subject's risk is raised at once (provisionally). "
                                     "Its reportId, or an idempotencyKey, makes a retry safe.")
    async def submit_intel(self, info: Info, input: types.IntelInput,
                           idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY_KEY)] = None
                           ) -> types.IntelReceipt:
        ctx = info.context
        values = {k: (v.value if isinstance(v, EntityKind) else v) for k, v in vars(input).items()}
        receipt = await ctx.attempt("submitIntel", _keyed(values, idempotency_key), feedback.submit_intel, ctx.store, values,
                                    ctx.principal, idempotency_key)
        await ctx.audit("submitIntel", _keyed(values, idempotency_key), 1, _outcome(receipt))
        return types.IntelReceipt(report_id=receipt["report_id"], subject=(await ctx.entities([receipt["subject"]]))[0])

    @strawberry.mutation(description="Record an inspection or audit result on a declaration, and the violation it found if any. "
                                     "The violation id makes a retry safe: the same request again by the same API key writes "
                                     "nothing and changes no score (audited with outcome \"repeat\").")
    async def record_inspection_result(self, info: Info, declaration_no: str, result: types.InspectionResult,
                                       inspected_on: Optional[str] = None,
                                       violation: Optional[types.ViolationInput] = None) -> Optional[types.InspectionReceipt]:
        ctx = info.context
        found = None if violation is None else {k: (v.value if isinstance(v, EntityKind) else v) for k, v in vars(violation).items()}
        arguments = {"declaration_no": declaration_no, "result": result.value, "violation": found}
        receipt = await ctx.attempt("recordInspectionResult", arguments, feedback.record_inspection, ctx.store, declaration_no,
                                    result.value, inspected_on, found, ctx.principal, ctx.services.copy)
        await ctx.audit("recordInspectionResult", arguments, 1 if receipt else 0, _outcome(receipt) if receipt else "ok")
        if receipt is None:
            return None
        subject = (await ctx.entities([receipt["subject"]]))[0] if receipt["subject"] else None
        return types.InspectionReceipt(declaration_no=declaration_no, result=result, violation_id=receipt["violation_id"], subject=subject)

    @strawberry.mutation(description="Put an entity on the watchlist (a manual key target) with a reason; you are its owner. "
                                     "An idempotencyKey makes a retry safe.")
    async def add_watchlist(self, info: Info, ref: EntityRef, reason: str,
                            idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY_KEY)] = None
                            ) -> types.WatchlistEntry:
        ctx = info.context
        entity = ":".join(_ref(ref))
        arguments = _keyed({"entity": entity, "reason": reason}, idempotency_key)
        receipt = await ctx.attempt("addWatchlist", arguments, feedback.add_watchlist, ctx.store, entity, reason, ctx.principal,
                                    idempotency_key)
        await ctx.audit("addWatchlist", arguments, 1, _outcome(receipt))
        entries = await ctx.run(dossier.watchlist, ctx.store, [entity])
        return next(e for e in entries if e.entry_id == receipt["entry_id"])

    @strawberry.mutation(description="Take an entity off the watchlist; returns how many open entries were closed (a retry "
                                     "closes none more and returns 0).")
    async def remove_watchlist(self, info: Info, ref: EntityRef, reason: str) -> int:
        ctx = info.context
        entity = ":".join(_ref(ref))
        closed = await ctx.attempt("removeWatchlist", {"entity": entity, "reason": reason},
                                   feedback.remove_watchlist, ctx.store, entity, reason, ctx.principal)
        await ctx.audit("removeWatchlist", {"entity": entity, "reason": reason}, closed)
        return closed

    @strawberry.mutation(description="Create a risk profile (version 1), applied at once to assessments when active. Its id "
                                     "(generated when neither it nor an idempotencyKey is given) makes a retry safe: the same "
                                     "request again by the same API key stores nothing new (audited with outcome \"repeat\"); "
                                     "an id already taken by another request is refused.")
    async def create_risk_profile(self, info: Info, input: types.RiskProfileInput, id: Optional[str] = None, active: bool = True,
                                  idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY_KEY)] = None
                                  ) -> types.RiskProfile:
        ctx = info.context
        if id is not None and idempotency_key is not None:
            raise UserError("idempotencyKey: give id or idempotencyKey, not both: an id already makes a retry safe")
        key = feedback.checked_key(idempotency_key)
        id = id or (key and feedback.derived_id(ctx.principal, "createRiskProfile", key, "RP-K-")) or profiles.new_id()
        values = {**_profile_fields(input), "active": active}
        values.setdefault("valid_from", date.today().isoformat())
        return await _profile_change(info, "createRiskProfile", _keyed({"profile_id": id, **values}, key), profiles.create,
                                     ctx.store, values, ctx.principal.name, id, ctx.principal.key_id)

    @strawberry.mutation(description="Edit a risk profile from the version you read: a new version; the old ones are kept. An "
                                     "edit from an older version (someone edited since) is refused; the same edit again by the "
                                     "same API key stores nothing new. Null if there is no such profile.")
    async def edit_risk_profile(self, info: Info, id: str, version: int, input: types.RiskProfileInput,
                                note: str) -> Optional[types.RiskProfile]:
        ctx = info.context
        changes = _profile_fields(input)
        if not changes:
            raise UserError("input: name at least one field to change")
        return await _profile_change(info, "editRiskProfile", {"profile_id": id, "from_version": version, **changes, "note": note},
                                     _edit_known, ctx.store, id, version, changes, ctx.principal.name, note, ctx.principal.key_id)

    @strawberry.mutation(description="Apply a risk profile again, or stop applying it: a new version, from the version you read.")
    async def set_risk_profile_active(self, info: Info, id: str, version: int, active: bool, note: str) -> Optional[types.RiskProfile]:
        ctx = info.context
        return await _profile_change(info, "setRiskProfileActive", {"profile_id": id, "from_version": version, "active": active,
                                                                    "note": note},
                                     _edit_known, ctx.store, id, version, {"active": active}, ctx.principal.name, note,
                                     ctx.principal.key_id)

    @strawberry.mutation(description="Adopt a suggestion of profileSuggestions as a risk profile (version 1, active from "
                                     "today): name it by rank, or by hs6 with its origin and procedure (safer: a newer model "
                                     "ranks anew). Its id is LEARNED-<hs6>-<origin>-<procedure> unless id or an idempotencyKey "
                                     "is given; the same request again by the same API key stores nothing new (audited with "
                                     "outcome \"repeat\"); a line adopted already is refused: edit its profile instead. The "
                                     "lane is yellow unless you say otherwise: the line restates the model's own scores, so "
                                     "send it to red only with evidence the model lacks.")
    async def adopt_profile_suggestion(
            self, info: Info, owner_unit: str, rank: Optional[int] = None, hs6: Optional[str] = None,
            origin: Optional[str] = None, procedure: Optional[str] = None,
            lane: types.Channel = types.Channel(profiles.SUGGESTED_LANE), reason: Optional[str] = None,
            valid_to: Optional[date] = None, min_support: int = profiles.MIN_SUPPORT, id: Optional[str] = None,
            idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY_KEY)] = None) -> types.RiskProfile:
        ctx = info.context
        if id is not None and idempotency_key is not None:
            raise UserError("idempotencyKey: give id or idempotencyKey, not both: an id already makes a retry safe")
        key = feedback.checked_key(idempotency_key)
        lines, version = await _suggestions(info, min_support)
        asked = _keyed({"rank": rank, "hs6": hs6, "origin": origin, "procedure": procedure, "min_support": min_support,
                        "model_version": version}, key)
        line = await ctx.attempt("adoptProfileSuggestion", asked, profiles.chosen, lines, rank, hs6, origin, procedure)
        default_id, values = profiles.adoption(line, owner_unit, lane.value, reason, valid_to and valid_to.isoformat())
        id = id or (key and feedback.derived_id(ctx.principal, "adoptProfileSuggestion", key, "LEARNED-K-")) or default_id
        return await _profile_change(info, "adoptProfileSuggestion", {**asked, "profile_id": id, **values}, profiles.create,
                                     ctx.store, values, ctx.principal.name, id, ctx.principal.key_id)

    @strawberry.mutation(description="Raise a tip (tin báo) on a stored declaration, asking for a lane, with a reason; you "
                                     "(your key's name and unit) are its officer. A declaration not stored is refused "
                                     "(NOT_FOUND). An idempotencyKey makes a retry safe.")
    async def raise_tip(self, info: Info, declaration_no: str, lane: types.Channel, reason: str,
                        idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY_KEY)] = None
                        ) -> types.Tip:
        ctx = info.context
        arguments = _keyed({"declaration_no": declaration_no, "lane": lane.value, "reason": reason}, idempotency_key)
        try:
            receipt = await ctx.attempt("raiseTip", arguments, feedback.raise_tip, ctx.store, declaration_no, lane.value, reason,
                                        ctx.principal, idempotency_key)
        except feedback.UnknownDeclaration as e:
            raise UserError(str(e), "NOT_FOUND") from None
        await ctx.audit("raiseTip", {**arguments, "tip_id": receipt["tip_id"]}, 1, _outcome(receipt))
        return _tip((await ctx.run(ctx.store.query, "tip_find", {"id": receipt["tip_id"]}))[0])

    @strawberry.mutation(description="Record what checking a tip found: a violation or not, back tax and fines (VND), a note. "
                                     "The first outcome is sent with correcting: 0; a correction names the version it "
                                     "replaces, and every version is kept. Of two outcomes sent at once for the same version "
                                     "one is stored and the other refused (CONFLICT): a tip is counted once. The same request "
                                     "again is a repeat (audited with outcome \"repeat\").")
    async def record_tip_outcome(self, info: Info, tip_id: str, violation_found: bool, back_tax_vnd: float = 0.0, fine_vnd: float = 0.0,
                                 note: Optional[str] = None, checked_on: Optional[str] = None, correcting: int = 0) -> types.Tip:
        ctx = info.context
        arguments = {"tip_id": tip_id, "violation_found": violation_found, "back_tax_vnd": back_tax_vnd, "fine_vnd": fine_vnd,
                     "note": note, "checked_on": checked_on, "correcting": correcting}
        try:
            receipt = await ctx.attempt("recordTipOutcome", arguments, feedback.record_tip_outcome, ctx.store, tip_id, violation_found,
                                        back_tax_vnd, fine_vnd, note, checked_on, ctx.principal, correcting)
        except feedback.OutcomeConflict as e:
            raise UserError(str(e), "CONFLICT") from None
        await ctx.audit("recordTipOutcome", {**arguments, "version": receipt["version"]}, 1, _outcome(receipt))

        def read():
            return ctx.store.query("tip_find", {"id": receipt["tip_id"]})[0], tips.history(ctx.store, receipt["tip_id"])

        row, history = await ctx.run(read)
        return _tip(row, history)

    @strawberry.mutation(description="Create an API key for a unit (đơn vị; \"unassigned\" when not given); the key is shown "
                                     "in this answer only, so a retry cannot return it again: after a timeout, look for the key "
                                     "in apiKeys and revoke it.")
    async def create_api_key(self, info: Info, role: str, name: str, unit: Optional[str] = None) -> types.NewApiKey:
        ctx = info.context
        arguments = {"role": role, "name": name, "unit": unit}
        issued = await ctx.attempt("createApiKey", arguments, auth.create, ctx.store, role, name, ctx.principal.name, unit)
        await ctx.audit("createApiKey", {**arguments, "key_id": issued.key_id}, 1)
        return types.NewApiKey(key_id=issued.key_id, name=issued.name, role=issued.role, key=issued.key, unit=issued.unit)

    @strawberry.mutation(description="Revoke an API key at once (within seconds on other servers).")
    async def revoke_api_key(self, info: Info, key_id: str) -> Optional[types.ApiKeyInfo]:
        ctx = info.context
        found = await ctx.run(auth.revoke, ctx.store, key_id)
        ctx.keys.forget(key_id)
        await ctx.audit("revokeApiKey", {"key_id": key_id}, 1 if found else 0)
        return None if found is None else types.ApiKeyInfo(**found)


schema = strawberry.Schema(query=Query, mutation=Mutation)


def sdl() -> str:
    """Return the schema in GraphQL SDL: what ``schema.graphql`` holds."""
    return schema.as_str() + "\n"
