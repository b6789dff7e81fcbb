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


@strawberry.enum(description="Clearance channel (luồng): green, yellow (documents), red (physical inspection).")
class Channel(Enum):
    GREEN = "green"
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
    random: bool = strawberry.field(description="sent to yellow by random selection, to measure compliance")
    probability: Optional[float] = strawberry.field(description="the selectivity model's probability of a discrepancy; "
                                                                "null when no model was used")
    basis: str = strawberry.field(description="`model`, or why the graph and profile score was used instead")
    as_of: Optional[date]
    model_version: Optional[str]
    reasons: list[Reason]


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


@strawberry.enum(description="Lane (luồng), least to most strict: green (cleared), blue (cleared, then post-clearance audit, "
                              "kiểm tra sau thông quan), yellow (documents checked), red (goods examined).")
class Lane(Enum):
    GREEN = "green"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


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
    lane: Lane = strawberry.field(description="the lane the officer asks for")
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
