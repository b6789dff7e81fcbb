"""The data model: what a feed carries and what the graph holds.

Two readable tables, in the spirit of followthemoney's schema files:

* ``FEEDS``: every file of the ingest contract (``../shared/contract/ingest.md``) with
  its fields, their types and which are required. The validator reads nothing else.
* ``LABELS`` and ``RELATIONSHIPS``: every node label with its natural key, and every
  relationship type with its direction. Schema creation, the docs and the tests read
  these; ``docs/model.md`` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Feed fields -------------------------------------------------------------------
# Field types the validator knows (see riskgraph/ingest/validate.py).
ID = "id"  # opaque identifier: trimmed, 1-64 chars, no control characters
TEXT = "text"  # free text, NFC
DATE = "date"  # ISO 8601 date
TIMESTAMP = "timestamp"  # ISO 8601 with offset; none means Asia/Ho_Chi_Minh
DECIMAL = "decimal"  # non-negative decimal number, no thousands separators
PERCENT = "percent"  # decimal 0-100
COUNTRY = "country"  # ISO 3166 alpha-2
ENUM = "enum"
ID_LIST = "id_list"  # ';' list of identifiers
PHONE_LIST = "phone_list"
EMAIL_LIST = "email_list"
BANK_LIST = "bank_list"
HS_LIST = "hs_list"  # ';' list of 6-10 digit HS codes
ENUM_LIST = "enum_list"
GRADE = "grade"  # one letter or digit of the Admiralty code, as an enum


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    """One file kind of the contract: ``KIND.csv`` or ``KIND.jsonl``."""

    kind: str
    key: tuple[str, ...]  # natural key, the merge key
    fields: tuple[Field, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


ENTERPRISE_STATUSES = ("active", "suspended", "dissolved", "absconded")
ACTIVITIES = (
    "importer",
    "exporter",
    "customs_agent",
    "duty_free",
    "port_operator",
    "warehouse",
    "bonded_warehouse",
    "carrier",
)
ROLES = (
    "legal_representative",
    "director",
    "shareholder",
    "chief_accountant",
    "employee",
    "declarant",
)
VEHICLE_KINDS = ("truck", "container", "vessel", "aircraft", "rail")
DIRECTIONS = ("import", "export", "transit")
TRANSPORT_MODES = ("sea", "air", "road", "rail", "inland_waterway", "post", "multimodal", "other")
CHANNELS = ("green", "yellow", "red")  # luồng xanh, vàng, đỏ
INSPECTION_RESULTS = ("none", "compliant", "discrepancy")
# Why an inspection was ordered (contract 1.2, a riskgraph addition: docs/contract-additions.md):
# risk targeting (selectivity profiles, an officer) or random selection for compliance
# measurement. Empty when not stated or not inspected.
SELECTIONS = ("targeted", "random")
# The kinds of entity riskgraph scores (đối tượng), and the kinds of node that link them.
ENTITY_KINDS = ("enterprise", "person", "agent", "vehicle")
CONNECTOR_KINDS = ("phone", "email", "address", "bank_account", "partner")
NODE_KINDS = ENTITY_KINDS + CONNECTOR_KINDS
# The parties a declaration names, by the kind of entity each is.
PARTY_KINDS = {"trader": "enterprise", "agent": "agent", "declarant": "person", "vehicle": "vehicle", "warehouse": "enterprise"}
VIOLATION_KINDS = (
    "smuggling",
    "undervaluation",
    "misclassification",
    "origin_fraud",
    "prohibited_goods",
    "document_fraud",
    "transit_diversion",
    "other",
)
SEVERITIES = ("administrative", "criminal")
DETECTED_BY = ("inspection", "scanning", "post_clearance_audit", "tip", "online_monitoring", "other")
SOURCE_KINDS = (
    "hotline",
    "foreign_customs",
    "partner_agency",
    "internal_system",
    "informant",
    "open_source",
)
RELIABILITY = ("A", "B", "C", "D", "E", "F")  # Admiralty: source reliability
CREDIBILITY = ("1", "2", "3", "4", "5", "6")  # Admiralty: information credibility

_CONTACT = (
    Field("address", TEXT),
    Field("phone", PHONE_LIST),
    Field("email", EMAIL_LIST),
)

FEEDS: tuple[Feed, ...] = (
    Feed(
        "enterprises",
        ("tax_code",),
        (
            Field("tax_code", ID, True),
            Field("name", TEXT, True),
            Field("address", TEXT),
            Field("province", TEXT),
            Field("phone", PHONE_LIST),
            Field("email", EMAIL_LIST),
            Field("bank_accounts", BANK_LIST),
            Field("registered_on", DATE),
            Field("status", ENUM, choices=ENTERPRISE_STATUSES),
            Field("activities", ENUM_LIST, choices=ACTIVITIES),
        ),
    ),
    Feed(
        "persons",
        ("person_id",),
        (
            Field("person_id", ID, True),
            Field("full_name", TEXT, True),
            Field("birth_date", DATE),
            Field("nationality", COUNTRY),
            *_CONTACT,
        ),
    ),
    Feed(
        "roles",
        ("person_id", "tax_code", "role", "since"),
        (
            Field("person_id", ID, True),
            Field("tax_code", ID, True),
            Field("role", ENUM, True, ROLES),
            Field("since", DATE),
            Field("until", DATE),
            Field("share_pct", PERCENT),
        ),
    ),
    Feed(
        "agents",
        ("agent_code",),
        (
            Field("agent_code", ID, True),
            Field("tax_code", ID, True),
            Field("licence_no", ID),
            Field("valid_until", DATE),
        ),
    ),
    Feed(
        "vehicles",
        ("vehicle_id",),
        (
            Field("vehicle_id", ID, True),
            Field("kind", ENUM, True, VEHICLE_KINDS),
            Field("owner_tax_code", ID),
            Field("operator_tax_code", ID),
            Field("country", COUNTRY),
        ),
    ),
    Feed(
        "declarations",
        ("declaration_no",),
        (
            Field("declaration_no", ID, True),
            Field("direction", ENUM, True, DIRECTIONS),
            Field("registered_at", TIMESTAMP, True),
            Field("office_code", ID),
            Field("border_gate", TEXT),
            Field("trader_tax_code", ID, True),
            Field("agent_code", ID),
            Field("declarant_id", ID),
            Field("partner_name", TEXT),
            Field("partner_country", COUNTRY),
            Field("origin_country", COUNTRY),
            Field("vehicle_ids", ID_LIST),
            Field("warehouse", ID),
            Field("hs_codes", HS_LIST),
            Field("goods_description", TEXT),
            Field("value_usd", DECIMAL),
            Field("tax_vnd", DECIMAL),
            Field("procedure_code", ID),
            Field("transport_mode", ENUM, choices=TRANSPORT_MODES),
            Field("tax_treatment", ID),
            Field("duty_rate_pct", DECIMAL),  # may exceed 100: cigarettes carry 135 %
            Field("payment_method", ID),
            Field("net_mass_kg", DECIMAL),
            Field("gross_mass_kg", DECIMAL),
            Field("quantity", DECIMAL),
            Field("quantity_unit", ID),
            Field("channel", ENUM, choices=CHANNELS),
            Field("inspection_result", ENUM, choices=INSPECTION_RESULTS),
            Field("selection", ENUM, choices=SELECTIONS),
        ),
    ),
    Feed(
        "violations",
        ("violation_id",),
        (
            Field("violation_id", ID, True),
            Field("subject_kind", ENUM, True, ENTITY_KINDS),
            Field("subject_id", ID, True),
            Field("declaration_no", ID),
            Field("kind", ENUM, True, VIOLATION_KINDS),
            Field("decided_on", DATE, True),
            Field("severity", ENUM, choices=SEVERITIES),
            Field("penalty_vnd", DECIMAL),
            Field("back_tax_vnd", DECIMAL),
            Field("detected_by", ENUM, choices=DETECTED_BY),
        ),
    ),
    Feed(
        "intel",
        ("report_id",),
        (
            Field("report_id", ID, True),
            Field("received_on", DATE, True),
            Field("source_kind", ENUM, choices=SOURCE_KINDS),
            Field("reliability", ENUM, True, RELIABILITY),
            Field("credibility", ENUM, True, CREDIBILITY),
            Field("subject_kind", ENUM, True, ENTITY_KINDS),
            Field("subject_id", ID, True),
            Field("summary", TEXT),
        ),
    ),
)

FEED_BY_KIND = {f.kind: f for f in FEEDS}
# Files load in this order so that a row's references are described before they are used.
LOAD_ORDER = tuple(f.kind for f in FEEDS)


# --- Graph ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Label:
    """A node label and its natural key (unique, indexed in both dialects)."""

    name: str
    key: str
    doc: str


LABELS: tuple[Label, ...] = (
    Label("Enterprise", "tax_code", "registered business (doanh nghiệp): trader, agent's firm, carrier, warehouse"),
    Label("Person", "person_id", "director, shareholder, declarant, driver, informant subject"),
    Label("Agent", "agent_code", "customs agent (đại lý làm thủ tục hải quan)"),
    Label("Vehicle", "vehicle_id", "truck, container, vessel, aircraft or wagon"),
    Label("Declaration", "declaration_no", "customs declaration (tờ khai hải quan)"),
    Label("Violation", "violation_id", "decided customs violation"),
    Label("Intel", "report_id", "business information report, Admiralty graded"),
    Label("Partner", "partner_key", "foreign seller or buyer: folded name | country"),
    Label("Phone", "number", "E.164 phone number"),
    Label("Email", "address", "lower-cased e-mail address"),
    Label("Address", "key", "address matching key (folded, abbreviations expanded)"),
    Label("BankAccount", "account", "BANKCODE:ACCOUNTNO"),
    Label("IngestRun", "run_id", "one load of one feed: provenance"),
    Label("Analysis", "analysis_id", "one run of `riskgraph analyze`: as-of date, model version, which is current"),
    Label("RiskScore", "key", "an entity's score, band and reasons in one analysis: analysis_id|kind:id"),
    Label("SuspiciousNetwork", "network_key", "a suspicious network found by an analysis: analysis_id|rank"),
    Label("WatchlistEntry", "entry_id", "a manual key target: entity, reason, owner, added and removed"),
    Label("RiskProfile", "profile_id", "an officer-authored risk profile (hồ sơ rủi ro) as its newest version stands"),
    Label("RiskProfileVersion", "key", "one version of a risk profile, never changed: profile_id|version"),
    Label("ApiKey", "key_id", "an API key: role, name, unit, hash of the secret (never the secret), revoked"),
    Label("Tip", "tip_id", "an officer's tip (tin báo) on a declaration: the lane asked for, why, who, and its current outcome"),
    Label("TipOutcome", "outcome_id", "one recorded outcome of a tip, kept when a later one corrects it: tip_id|version"),
    Label("AuditEntry", "entry_id", "one audited API call: who, when, operation, arguments, result size"),
    Label("QueueEntry", "entry_id", "a declaration assessed through the API, in the monitoring queue: lane, score, hits"),
)
LABEL_BY_NAME = {label.name: label for label in LABELS}
LABEL_OF_KIND = {"enterprise": "Enterprise", "person": "Person", "agent": "Agent", "vehicle": "Vehicle", "phone": "Phone",
                 "email": "Email", "address": "Address", "bank_account": "BankAccount", "partner": "Partner"}
KIND_OF_LABEL = {label: kind for kind, label in LABEL_OF_KIND.items()}
ENTITY_KIND_OF_LABEL = {LABEL_OF_KIND[kind]: kind for kind in ENTITY_KINDS}


@dataclass(frozen=True)
class Relationship:
    type: str
    source: str
    target: str
    properties: tuple[str, ...]
    doc: str


_PROVENANCE = ("source_run", "last_run", "first_seen", "last_seen")

RELATIONSHIPS: tuple[Relationship, ...] = (
    Relationship("HOLDS_ROLE", "Person", "Enterprise", ("key", "role", "since", "until", "share_pct", *_PROVENANCE),
                 "role in an enterprise over time"),
    Relationship("REGISTERED_AS", "Agent", "Enterprise", _PROVENANCE, "the agent's own enterprise"),
    Relationship("OWNED_BY", "Vehicle", "Enterprise", _PROVENANCE, "owner of the vehicle"),
    Relationship("OPERATED_BY", "Vehicle", "Enterprise", _PROVENANCE, "operator of the vehicle"),
    Relationship("HAS_PHONE", "Enterprise|Person", "Phone", _PROVENANCE, "declared phone"),
    Relationship("HAS_EMAIL", "Enterprise|Person", "Email", _PROVENANCE, "declared e-mail"),
    Relationship("LOCATED_AT", "Enterprise|Person", "Address", ("text", *_PROVENANCE), "registered address, as written"),
    Relationship("HAS_ACCOUNT", "Enterprise", "BankAccount", _PROVENANCE, "bank account"),
    Relationship("FOR_TRADER", "Declaration", "Enterprise", ("source_run", "first_seen"), "the importer or exporter"),
    Relationship("FILED_BY_AGENT", "Declaration", "Agent", ("source_run", "first_seen"), "customs agent that filed it"),
    Relationship("FILED_BY_DECLARANT", "Declaration", "Person", ("source_run", "first_seen"), "individual who filed it"),
    Relationship("CARRIED_BY", "Declaration", "Vehicle", ("source_run", "first_seen"), "means of transport or container"),
    Relationship("STORED_AT", "Declaration", "Enterprise", ("source_run", "first_seen"), "warehouse or bonded warehouse"),
    Relationship("WITH_PARTNER", "Declaration", "Partner", ("source_run", "first_seen"), "foreign seller or buyer"),
    Relationship("AGAINST", "Violation", "Enterprise|Person|Agent|Vehicle", ("source_run", "first_seen"), "subject of a decided violation"),
    Relationship("ABOUT", "Intel", "Enterprise|Person|Agent|Vehicle", ("source_run", "first_seen"), "subject of an intelligence report"),
    Relationship("CONCERNS", "Violation", "Declaration", ("source_run", "first_seen"), "declaration a violation was decided on"),
    Relationship("RAISED_ON", "Tip", "Declaration", ("first_seen",), "the declaration a tip asks a lane change for"),
    Relationship("HAS_OUTCOME", "Tip", "TipOutcome", ("first_seen",),
                 "every outcome recorded on a tip, the current one and those it corrected"),
)

# Declaration links are replaced as a whole when a declaration row changes.
DECLARATION_LINKS = ("FOR_TRADER", "FILED_BY_AGENT", "FILED_BY_DECLARANT", "CARRIED_BY", "STORED_AT", "WITH_PARTNER")
