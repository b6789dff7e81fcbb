"""The GraphQL types: what the API returns, in one readable file.

Field names are camelCase in GraphQL (``asOf``) and snake_case here (``as_of``).
Kinds are the four entity kinds of the data model; ids are their natural keys (tax
code, person id, agent code, vehicle id).
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Optional

import strawberry

from riskgraph.channels.monitoring import KINDS


@strawberry.enum(description="The kinds of entity that are scored.")
class EntityKind(Enum):
    ENTERPRISE = "enterprise"
    PERSON = "person"
    AGENT = "agent"
    VEHICLE = "vehicle"


@strawberry.enum(description="Risk band by share of the kind: critical the top 1%, high the next 4%, medium the next 15%, low the rest.")
class Band(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@strawberry.enum(description="Clearance lane (luồng): green (cleared), blue (cleared, then post-clearance audit), "
                              "yellow (documents), red (physical inspection).")
class Channel(Enum):
    GREEN = "green"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


@strawberry.enum(description="Links a path or link-chart walk follows. Declarations are collapsed into TRADE links "
                              "(trader to agent, declarant, vehicle, warehouse or partner, with how many declarations and "
                              "when) unless DECLARATIONS is asked for, which walks through the declarations themselves.")
class LinkGroup(Enum):
    PEOPLE = "people"  # roles in enterprises; declarants
    IDENTIFIERS = "identifiers"  # phones, e-mails, addresses, bank accounts
    AGENTS = "agents"  # an agent's own enterprise; the agents that filed a trader's declarations
    VEHICLES = "vehicles"  # owners and operators; the vehicles that carried a trader's goods
    PARTNERS = "partners"  # foreign partners and warehouses of a trader's declarations
    CASES = "cases"  # decided violations and intelligence reports about an entity
    DECLARATIONS = "declarations"  # the declarations themselves instead of TRADE links


@strawberry.enum
class InspectionResult(Enum):
    COMPLIANT = "compliant"
    DISCREPANCY = "discrepancy"


@strawberry.input(description="An entity by kind and natural key.")
class EntityRef:
    kind: EntityKind
    id: str


@strawberry.type(description="One factor or path behind a score, with its share of the score.")
class Reason:
    factor: str
    contribution: float
    detail: str


@strawberry.type(description="A path from the entity to a risky one: nodes as kind:id, the link type of each hop.")
class RiskPath:
    nodes: list[str]
    relationships: list[str]
    contribution: float


@strawberry.type(description="An entity's score in the current analysis, and why.")
class Risk:
    score: float
    band: Band
    as_of: Optional[date]
    model_version: Optional[str]
    own: float = strawberry.field(description="the part of the score from the entity's own record")
    network: float = strawberry.field(description="the part from risk reaching it over its links")
    provisional: bool = strawberry.field(description="raised by evidence submitted since the analysis ran")
    reasons: list[Reason]
    paths: list[RiskPath]


@strawberry.type(description="An enterprise, person, customs agent or vehicle.")
class Entity:
    kind: EntityKind
    id: str
    known: bool = strawberry.field(description="the store holds this entity")
    name: Optional[str]
    status: Optional[str]
    province: Optional[str]
    registered_on: Optional[str]
    activities: list[str]
    nationality: Optional[str]
    vehicle_kind: Optional[str]
    country: Optional[str]
    by_reference: bool = strawberry.field(description="named by declarations or reports but absent from every register")
    risk: Risk


@strawberry.type(description="The risk of one requested entity.")
class EntityRisk:
    kind: EntityKind
    id: str
    known: bool
    risk: Risk


@strawberry.type
class Assessment:
    declaration_no: str
    channel: Channel
    score: float
    random: bool = strawberry.field(description="drawn at random whatever its risk, to measure compliance; its lane is "
                                                "the stricter of the draw's, the risk's and its profile hits'; it stays "
                                                "random when they lift it")
    probability: Optional[float] = strawberry.field(description="the selectivity model's probability of a discrepancy; "
                                                                "null when no model was used")
    basis: str = strawberry.field(description="`model`, or why the graph and profile score was used instead")
    as_of: Optional[date]
    model_version: Optional[str]
    reasons: list[Reason]
    profile_hits: list[ProfileHit] = strawberry.field(default_factory=list, description="the risk profiles it meets, each a "
                                                                                          "reason of its own")


@strawberry.type(description="A risk profile (hồ sơ rủi ro) whose criteria a declaration meets.")
class ProfileHit:
    profile_id: str
    version: int
    lane: Channel = strawberry.field(description="the lane the profile asks for; the declaration's is the stricter of it and the model's")
    reason: str = strawberry.field(description="for the clearance officer")
    instructions: str = strawberry.field(description="for the examining officer")


@strawberry.type(description="One version of an officer-authored risk profile; every edit makes a new version and keeps the old.")
class RiskProfile:
    profile_id: str
    version: int
    owner_unit: str
    criteria: str = strawberry.field(description="the criteria language of docs/selectivity.md, e.g. `hs in 8471 and origin = CN`")
    reason: str
    instructions: str
    lane: Channel
    valid_from: date
    valid_to: Optional[date]
    active: bool
    edited_by: str
    edited_at: str
    note: str


@strawberry.input(description="The fields of a risk profile. In an edit, the fields left out keep their value; validTo null "
                               "with clearValidTo makes it open-ended.")
class RiskProfileInput:
    owner_unit: Optional[str] = None
    criteria: Optional[str] = None
    reason: Optional[str] = None
    instructions: Optional[str] = None
    lane: Optional[Channel] = None
    valid_from: Optional[date] = None
    valid_to: Optional[date] = None
    clear_valid_to: bool = False


@strawberry.type(description="A risk profile's effectiveness over a period, from the inspection outcomes in the graph.")
class ProfileEffectiveness:
    profile_id: str
    version: int
    lane: Channel
    hits: int
    inspected: int
    found_wrong: int
    hit_rate: Optional[float]
    revenue_vnd: float = strawberry.field(description="back tax and penalty of the violations citing its hits")
    model_hit_rate: Optional[float] = strawberry.field(description="the model's hit rate at the same inspection count")
    review: str = strawberry.field(description="why it is listed for review; empty if it is not")


@strawberry.input(description="A declaration not yet cleared, with the fields of the ingest contract.")
class DeclarationInput:
    declaration_no: str
    direction: str
    registered_at: str
    trader_tax_code: str
    agent_code: Optional[str] = None
    declarant_id: Optional[str] = None
    office_code: Optional[str] = None
    border_gate: Optional[str] = None
    partner_name: Optional[str] = None
    partner_country: Optional[str] = None
    origin_country: Optional[str] = None
    vehicle_ids: Optional[list[str]] = None
    warehouse: Optional[str] = None
    hs_codes: Optional[list[str]] = None
    goods_description: Optional[str] = None
    value_usd: Optional[float] = None
    tax_vnd: Optional[float] = None
    procedure_code: Optional[str] = None
    transport_mode: Optional[str] = None
    tax_treatment: Optional[str] = None
    duty_rate_pct: Optional[float] = None
    payment_method: Optional[str] = None
    net_mass_kg: Optional[float] = None
    gross_mass_kg: Optional[float] = None
    quantity: Optional[float] = None
    quantity_unit: Optional[str] = None


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: Optional[str]


@strawberry.type
class EntityEdge:
    cursor: str
    node: Entity


@strawberry.type(description="A page of key targets (danh sách trọng điểm), riskiest first.")
class EntityConnection:
    total_count: int
    edges: list[EntityEdge]
    page_info: PageInfo


@strawberry.type(description="A group of entities ranked by how much more risk it holds than the population.")
class SuspiciousNetwork:
    rank: int
    score: float = strawberry.field(description="lift: its members' risk over what as many entities hold on average")
    size: int
    risky_members: int = strawberry.field(description="members with a decided violation or a graded intelligence report")
    risky_share: float
    why: str
    glue: list[str] = strawberry.field(description="the people or identifiers that hold it together, as kind:id")
    member_labels: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="the members, with identity and risk; read only when asked for, in one read per request")
    async def members(self, info: strawberry.Info) -> list[Entity]:
        return await info.context.members.load(self.member_labels)


@strawberry.type
class NetworkEdge:
    cursor: str
    node: SuspiciousNetwork


@strawberry.type
class NetworkConnection:
    total_count: int
    edges: list[NetworkEdge]
    page_info: PageInfo


@strawberry.type
class SearchHit:
    entity: Entity
    matched: str = strawberry.field(description="what matched: name, tax code, phone, plate...")


@strawberry.type(description="A role held over time: who, in which enterprise, from when to when.")
class RoleHeld:
    relationship: str
    role: Optional[str]
    since: Optional[str]
    until: Optional[str]
    share_pct: Optional[float]
    other_kind: EntityKind
    other_id: str
    other_name: Optional[str]


@strawberry.type
class Holder:
    kind: EntityKind
    id: str
    name: Optional[str]


@strawberry.type(description="A phone, e-mail, address or bank account, and who else declares it.")
class SharedIdentifier:
    kind: str
    value: str
    text: Optional[str]
    holder_count: int = strawberry.field(description="how many others declare it")
    holders: list[Holder]


@strawberry.type
class Count:
    key: str
    count: int
    value_usd: float


@strawberry.type(description="Declarations the entity took part in, over the window.")
class TradeSummary:
    since: str
    declarations: int
    value_usd: float
    truncated: bool = strawberry.field(description="only the latest declarations were summarised")
    parts: list[Count] = strawberry.field(description="as trader, agent, declarant, vehicle or warehouse")
    by_month: list[Count]
    channels: list[Count]
    inspections: list[Count]
    hs_codes: list[Count]
    partners: list[Count]
    gates: list[Count]


@strawberry.type
class ViolationRecord:
    violation_id: str
    kind: str
    decided_on: str
    severity: Optional[str]
    penalty_vnd: Optional[float]
    back_tax_vnd: Optional[float]
    detected_by: Optional[str]
    declarations: list[str]


@strawberry.type(description="An intelligence report; its text and source kind are for investigators.")
class IntelReport:
    report_id: str
    received_on: str
    grade: str = strawberry.field(description="Admiralty code: source reliability A-F and credibility 1-6")
    reliability: str
    credibility: str
    source_kind: Optional[str]
    summary: Optional[str]


@strawberry.type
class Neighbour:
    entity: Entity
    links: list[str]
    weight: int = strawberry.field(description="how many links or shared declarations join them")


@strawberry.type
class WatchlistEntry:
    entry_id: str
    entity: str
    reason: str
    owner: str
    added_at: str
    removed_at: Optional[str] = None
    removed_by: Optional[str] = None
    removal_reason: Optional[str] = None


@strawberry.type
class WatchlistConnection:
    total_count: int
    entries: list[WatchlistEntry]
    page_info: PageInfo


@strawberry.type(description="The key-target file (hồ sơ đối tượng trọng điểm): everything known about an entity.")
class Dossier:
    entity: Entity
    watchlist: list[WatchlistEntry]
    roles: list[RoleHeld]
    identifiers: list[SharedIdentifier]
    trade: TradeSummary
    violations: list[ViolationRecord]
    intel: list[IntelReport]
    community: Optional[int]
    suspicious_network: Optional[SuspiciousNetwork]
    neighbours: list[Neighbour]


@strawberry.type(description="A node of a path or link chart.")
class GraphNode:
    node_id: str
    label: str
    key: Optional[str]
    name: Optional[str]
    score: Optional[float]
    band: Optional[Band]


@strawberry.type(description="A relationship with its facts (role, dates, shares, provenance).")
class GraphEdge:
    source: str
    target: str
    type: str
    facts: strawberry.scalars.JSON


@strawberry.type(description="A node the walk did not expand: it has more links than the hub limit (a port operator "
                              "with thousands of customers, a phone number every shell shares). Ask for it by name to open it.")
class HubNode:
    node: GraphNode
    links: int


@strawberry.type
class PathResult:
    length: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    variants: int = strawberry.field(description="other shortest paths that differ only in the declarations they pass through")


@strawberry.type
class ConnectionResult:
    found: bool
    paths: list[PathResult]
    hubs: list[HubNode] = strawberry.field(default_factory=list, description="nodes met but not walked through")
    complete: bool = strawberry.field(default=True, description="false when the search stopped at its node or row "
                                                                "budget: a shorter path may exist")


@strawberry.type(description="Nodes and edges around an entity, ready for a link chart.")
class Neighbourhood:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    hubs: list[HubNode] = strawberry.field(default_factory=list, description="nodes shown but not expanded")


@strawberry.type(description="Who is calling, and what of the schema their role may read.")
class Me:
    name: str
    role: str
    unit: str = strawberry.field(description="the unit (đơn vị) the key works for; \"unassigned\" for a key made without one")
    readable: list[str] = strawberry.field(description="the restricted fields (Type.field) this role may read; every field "
                                                        "not restricted is open to all")


@strawberry.type
class ApiKeyInfo:
    key_id: str
    name: str
    role: str
    unit: str
    created_at: str
    created_by: Optional[str]
    revoked_at: Optional[str]


@strawberry.type(description="A new API key: the key itself is shown this once.")
class NewApiKey:
    key_id: str
    name: str
    role: str
    key: str
    unit: str


@strawberry.type
class AuditRecord:
    entry_id: str
    at: str
    key_id: str
    key_name: str
    role: str
    operation: str
    arguments: str
    result_size: int
    outcome: str


@strawberry.input(description="An intelligence report, as the intel feed of the ingest contract.")
class IntelInput:
    received_on: str
    reliability: str
    credibility: str
    subject_kind: EntityKind
    subject_id: str
    summary: str
    source_kind: Optional[str] = None
    report_id: Optional[str] = None


@strawberry.input(description="A decided violation found by the inspection or audit.")
class ViolationInput:
    violation_id: str
    kind: str
    decided_on: str
    subject_kind: EntityKind = EntityKind.ENTERPRISE
    subject_id: Optional[str] = None
    severity: Optional[str] = None
    penalty_vnd: Optional[float] = None
    back_tax_vnd: Optional[float] = None
    detected_by: Optional[str] = None


@strawberry.type
class IntelReceipt:
    report_id: str
    subject: Entity


@strawberry.type
class InspectionReceipt:
    declaration_no: str
    result: InspectionResult
    violation_id: Optional[str]
    subject: Optional[Entity]


AlertKind = strawberry.enum(Enum("AlertKind", {k.upper(): k for k in KINDS}), description=(
    "Why a declaration in the monitoring queue deserves a look: WATCHED, a party on the watchlist; KEY_TARGET, a party in "
    "the critical or high band; PROFILE_HIT, a risk profile it meets; SCORE_JUMP, the trader's score rose or the "
    "declaration scores far above the trader's usual; UNUSUAL_VALUE, NEW_GOODS, NEW_ROUTE, NEW_PARTNER, far from the "
    "trader's own history."))


@strawberry.enum(description="How a declaration reached the monitoring queue.")
class QueueSource(Enum):
    ASSESSED = "assessed"  # through assessDeclaration
    INGESTED = "ingested"  # loaded by a feed, registered since the current analysis' as-of date


@strawberry.type(description="An alert on a declaration in the monitoring queue: its kind and what the officer reads.")
class QueueAlert:
    kind: AlertKind
    sentence: str


@strawberry.type(description="A risk profile (hồ sơ rủi ro) a queued declaration met when it was assessed.")
class QueueHit:
    profile_id: str
    version: int
    lane: str
    reason: str


@strawberry.type(description="A declaration in clearance, in the monitoring queue (trực ban trực tuyến), with its alerts.")
class QueueItem:
    declaration_no: str
    at: str = strawberry.field(description="when it was assessed (ASSESSED) or registered (INGESTED), ISO 8601")
    source: QueueSource
    office: Optional[str]
    gate: Optional[str]
    trader: str = strawberry.field(description="the trader's tax code")
    lane: Optional[Channel] = strawberry.field(description="the lane it was assessed to, or its channel (INGESTED)")
    score: Optional[float] = strawberry.field(description="its assessment's score; null for ingested declarations")
    basis: Optional[str]
    hits: list[QueueHit]
    alerts: list[QueueAlert]


@strawberry.type
class QueueEdge:
    cursor: str
    node: QueueItem


@strawberry.type(description="A page of the monitoring queue, newest first.")
class QueueConnection:
    edges: list[QueueEdge]
    page_info: PageInfo
@strawberry.type(description="A green-lane declaration selected for post-clearance audit.")
class AuditDeclaration:
    rank: int
    declaration_no: str
    registered_on: date
    trader: str
    trader_name: str
    office_code: str
    hs_code: str
    score: float = strawberry.field(description="the selectivity model's probability, or the graph and profile score")
    tax_vnd: Optional[float]
    value_usd: Optional[float]
    stake_vnd: float = strawberry.field(description="revenue at stake: the tax, or the value at the period's median tax per USD")
    at_risk_vnd: float = strawberry.field(description="score times stake")
    priority: float = strawberry.field(description="score times log10(10 + stake): the ranking")
    reasons: list[Reason]


@strawberry.type(description="An enterprise whose selected declarations carry revenue at risk.")
class AuditEnterprise:
    rank: int
    tax_code: str
    name: str
    selected: int
    stake_vnd: float
    at_risk_vnd: float
    score: Optional[float] = strawberry.field(description="its entity risk in the current analysis; null when not scored")
    band: Optional[Band]


@strawberry.type(description="Post-clearance audit plan (kiểm tra sau thông quan) of a period's green-lane declarations.")
class AuditPlan:
    since: date
    until: date
    share: float
    green_declarations: int
    selected: int
    basis: str = strawberry.field(description="`model`, or why the graph and profile score was used instead")
    declarations: list[AuditDeclaration] = strawberry.field(description="the first ones by priority")
    enterprises: list[AuditEnterprise] = strawberry.field(description="the first ones by revenue at risk")
@strawberry.enum(description="How tip statistics are grouped: per unit, or per officer (API key name) within a unit.")
class TipGrouping(Enum):
    UNIT = "unit"
    OFFICER = "officer"


@strawberry.type(description="What checking a tip found. A correction is a new version; the earlier ones stay in history.")
class TipOutcome:
    version: int
    violation_found: bool
    back_tax_vnd: float = strawberry.field(description="back tax assessed (truy thu), VND")
    fine_vnd: float = strawberry.field(description="fines imposed (phạt), VND")
    revenue_vnd: float = strawberry.field(description="back tax and fines, VND")
    note: Optional[str]
    checked_on: str
    checked_by: str
    checked_unit: str
    checked_at: str


@strawberry.type(description="An officer's tip (tin báo) on a declaration: the lane asked for, why, who, and what checking it found.")
class Tip:
    tip_id: str
    declaration_no: str
    lane: Channel = strawberry.field(description="the lane the officer asks for")
    lane_before: Optional[str] = strawberry.field(description="the declaration's channel when the tip was raised")
    reason: str
    officer: str = strawberry.field(description="the API key name of the officer who raised it")
    unit: str
    raised_at: str
    outcome: Optional[TipOutcome] = strawberry.field(description="the current outcome; null until the tip is checked")
    history: list[TipOutcome] = strawberry.field(description="every outcome recorded, oldest first (the last is current); "
                                                              "filled by recordTipOutcome, empty in tips lists")


@strawberry.type(description="Tips of a period for one unit (or one officer of a unit): the unit's own report measures these.")
class TipStatistics:
    unit: str
    officer: Optional[str] = strawberry.field(description="null when grouped by unit, and on the row for all tips")
    raised: int
    checked: int = strawberry.field(description="tips with an outcome recorded")
    found: int = strawberry.field(description="checked tips that found a violation")
    hit_rate: Optional[float] = strawberry.field(description="found / checked; null when none was checked")
    hit_low: float = strawberry.field(description="95% Wilson interval of the hit rate, lower bound")
    hit_high: float = strawberry.field(description="95% Wilson interval of the hit rate, upper bound")
    back_tax_vnd: float
    fine_vnd: float
    revenue_vnd: float


@strawberry.type(description="A learned HS x origin x procedure line of the selectivity model (riskiest first), as criteria "
                              "an officer can adopt as a risk profile (adoptProfileSuggestion).")
class ProfileSuggestion:
    rank: int
    hs6: str
    origin_country: str = strawberry.field(description="empty for a line without one")
    procedure_code: str = strawberry.field(description="empty for a line without one")
    criteria: str = strawberry.field(description="the criteria text the adopted profile gets")
    learned_risk: float = strawberry.field(description="the model's mean probability of a discrepancy on the line's declarations "
                                                       "in its last quarter of training")
    declarations: int = strawberry.field(description="the line's declarations in the model's last quarter of training")
    inspections: int = strawberry.field(description="inspected declarations of the line over the training window")
    discrepancies: int
    discrepancy_rate: Optional[float] = strawberry.field(description="discrepancies / inspections; null when none was inspected")
    model_version: str


@strawberry.type(description="found of n inspections, the rate and its 95% Wilson score interval.")
class ComplianceRate:
    found: int = strawberry.field(description="inspections that found a discrepancy, or that a decided violation cites")
    n: int
    rate: Optional[float] = strawberry.field(description="found / n; null when n is 0")
    low: float
    high: float
    small: bool = strawberry.field(description="fewer than minN inspections: read the interval, not the rate")


@strawberry.type(description="The non-compliance rate of one group (HS chapter 85, office 03CC), from random inspections.")
class ComplianceGroup:
    value: str
    rate: ComplianceRate
    revenue_vnd: float = strawberry.field(description="back tax and penalties of the violations citing its inspections")


@strawberry.type(description="Targeted inspections against random ones.")
class ComplianceTargeting:
    targeted: ComplianceRate
    random: ComplianceRate
    lift: Optional[float] = strawberry.field(description="targeted hit rate / random hit rate; null when either found nothing")
    lift_low: Optional[float] = strawberry.field(description="95% interval of the lift (Katz log method), lower bound")
    lift_high: Optional[float]
    revenue_per_targeted_vnd: Optional[float] = strawberry.field(description="revenue per targeted inspection; null without any")
    revenue_per_random_vnd: Optional[float]


@strawberry.type(description="Compliance measurement (đo lường tuân thủ) of the declarations registered in a period: the "
                              "non-compliance rate from random-selection inspections only, overall and per group (largest "
                              "first), and targeting effectiveness.")
class ComplianceReport:
    since: date
    until: date
    as_of: date = strawberry.field(description="violations decided up to this day count")
    min_n: int
    random_inspections: int
    targeted_inspections: int
    unstated_inspections: int = strawberry.field(description="inspections with no selection stated: not counted")
    overall: ComplianceRate = strawberry.field(description="the estimated non-compliance rate")
    hs_chapters: list[ComplianceGroup]
    offices: list[ComplianceGroup]
    origins: list[ComplianceGroup]
    lanes: list[ComplianceGroup]
    targeting: ComplianceTargeting
