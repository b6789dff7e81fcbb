"""The graph a feed's MERGE load would leave in an empty store, worked out in memory.

``BulkGraph.add`` takes validated, de-duplicated records in load order and holds the
nodes and relationships that the write queries (``upsert_*``, ``declarations_*``) would
create, with the properties they would set; ``take`` numbers the nodes held and hands
them over as a ``BulkChunk`` for the store's bulk path. In an empty graph and one run,
every MERGE either creates (with the values a CREATE sets) or finds a node that an
earlier row made, whose properties it then leaves as they are: a described node's kind
loads before every kind that names it by reference (``LOAD_ORDER``), and identifier
nodes set the same run and time whether created or found. So each node and relationship
is final when first met, and the chunks can go out as the feed is read.

Declarations taken by column (``by_column.Plain``) stay columns: their nodes go out as
``NodeColumns`` and their links to the parties as ``RelationshipColumns``, with no Python
object per value.

Memory: the natural key and id of every node (about 100 bytes a node), and one chunk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from riskgraph.graph.bulk import BulkChunk, NodeColumns, Properties, RelationshipColumns
from riskgraph.ingest.by_column import Plain, selected
from riskgraph.ingest.validate import DECLARATION_PROPERTIES, Record
from riskgraph.model import LABEL_BY_NAME, LABEL_OF_KIND

# Identifier lists of an enterprise or person row: (row field, label, relationship).
_IDENTIFIERS = (("phones", "Phone", "HAS_PHONE"), ("emails", "Email", "HAS_EMAIL"), ("accounts", "BankAccount", "HAS_ACCOUNT"))
# Parties of a declaration: (row field, label, relationship), as declarations_link makes them.
_PARTIES = (("agents", "Agent", "FILED_BY_AGENT"), ("declarants", "Person", "FILED_BY_DECLARANT"),
            ("vehicles", "Vehicle", "CARRIED_BY"), ("warehouses", "Enterprise", "STORED_AT"))
_DESCRIBED = {"enterprises": "Enterprise", "persons": "Person", "agents": "Agent", "vehicles": "Vehicle"}
# The same parties by the field that names them, for declarations taken by column.
_PARTY_FIELDS = {"agents": "agent_code", "declarants": "declarant_id", "vehicles": "vehicle_ids", "warehouses": "warehouse",
                 "partners": "partner_key"}


class BulkGraph:
    """Nodes and relationships of one run (``run``, at ``now``) not yet handed over."""

    def __init__(self, run: int, now: str):
        self._ids: dict[str, dict[str, int]] = defaultdict(dict)  # label -> key -> id, of nodes handed over
        self._pending: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # label -> key -> properties
        self._relationships: list[tuple[str, str, str, str, str, Properties]] = []
        self._column_nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)  # label -> groups of columns
        self._column_keys: dict[str, dict[str, None]] = defaultdict(dict)  # label -> keys of the nodes in those groups
        # (type, source label, target label) -> (source keys, target keys), all with the properties _linked
        self._column_links: dict[tuple[str, str, str], tuple[list[str], list[str]]] = {}
        self._next = 0
        # Provenance as the queries set it; shared, so that the encoder writes each once.
        self._linked = {"source_run": run, "first_seen": now}  # a CREATEd link, a node made by reference
        self._seen = {**self._linked, "last_run": run, "last_seen": now}  # a MERGEd node or link
        self._described = {**self._seen, "by_reference": False}
        self._referenced = {"by_reference": True, **self._linked}

    @property
    def held(self) -> int:
        """Nodes and relationships held, not yet handed over."""
        return (sum(len(p) for p in self._pending.values()) + len(self._relationships)
                + sum(len(k) for k in self._column_keys.values()) + sum(len(s) for s, _ in self._column_links.values()))

    def add(self, kind: str, records: Sequence[Record | Plain]) -> list[dict[str, Any]]:
        """Hold what the write query of ``kind`` would create for ``records``, one batch
        of the MERGE path (a write query's rows); declarations may come as ``Plain``
        references to their block's columns. Return the arrays of those (``by_column.selected``),
        for the columnar copy. Cost: O(rows)."""
        if kind == "declarations":
            fresh_partners: set[str] = set()  # partners this batch created
            for r in records:
                if isinstance(r, Plain):
                    partner = r.taken.partners[r.index]
                    if partner is not None:
                        self._partner(*partner, fresh_partners)  # linked by column, in _declarations
                else:
                    self._declaration(r, fresh_partners)
            groups = selected([r for r in records if isinstance(r, Plain)])
            for arrays in groups:
                self._declarations(arrays)
            return groups
        for r in records:
            p = r.params
            if kind in _DESCRIBED:
                label = _DESCRIBED[kind]
                self._pending[label][r.key] = {LABEL_BY_NAME[label].key: r.key, **p["props"], **self._described}
            if kind in ("enterprises", "persons"):
                self._contacts(LABEL_OF_KIND["enterprise" if kind == "enterprises" else "person"], r.key, p)
            elif kind == "roles":
                self._link("HOLDS_ROLE", "Person", self._reference("Person", p["person_id"]), "Enterprise",
                           self._reference("Enterprise", p["tax_code"]), {"key": p["key"], **p["props"], **self._seen})
            elif kind == "agents":
                self._link("REGISTERED_AS", "Agent", r.key, "Enterprise", self._reference("Enterprise", p["tax_code"]), self._seen)
            elif kind == "vehicles":
                for field, kind_of_link in (("owners", "OWNED_BY"), ("operators", "OPERATED_BY")):
                    for code in p[field]:
                        self._link(kind_of_link, "Vehicle", r.key, "Enterprise", self._reference("Enterprise", code), self._seen)
            else:  # violations, intel: a decision or report about one subject
                label, link = ("Violation", "AGAINST") if kind == "violations" else ("Intel", "ABOUT")
                self._pending[label][r.key] = {LABEL_BY_NAME[label].key: r.key, **p["props"], **self._seen}
                subject = LABEL_OF_KIND[p["subject_kind"]]
                self._link(link, label, r.key, subject, self._reference(subject, p["subject_id"]), self._linked)
                for number in p.get("declarations", ()):
                    self._link("CONCERNS", label, r.key, "Declaration", self._reference("Declaration", number), self._linked)
        return []

    def _contacts(self, label: str, key: str, p: dict[str, Any]) -> None:
        for field, target, link in _IDENTIFIERS:
            for value in p.get(field, ()):
                self._node(target, value, self._seen)
                self._link(link, label, key, target, value, self._seen)
        for address in p["addresses"]:
            if not self._known("Address", address["key"]):  # the map is made for a new node only
                self._node("Address", address["key"], {"text": address["text"], **self._seen})
            self._link("LOCATED_AT", label, key, "Address", address["key"], {**self._seen, "text": address["text"]})

    def _declaration(self, r: Record, fresh: set[str]) -> None:
        p = r.params
        self._pending["Declaration"][r.key] = {"declaration_no": r.key, **p["props"], **self._seen, "row_hash": r.digest}
        self._link("FOR_TRADER", "Declaration", r.key, "Enterprise", self._reference("Enterprise", p["trader"]), self._linked)
        for field, label, link in _PARTIES:
            for key in p[field]:
                self._link(link, "Declaration", r.key, label, self._reference(label, key), self._linked)
        for partner in p["partners"]:
            self._partner(partner["key"], partner["name"], partner["country"], fresh)
            self._link("WITH_PARTNER", "Declaration", r.key, "Partner", partner["key"], self._linked)

    def _partner(self, key: str, name: str, country: str | None, fresh: set[str]) -> None:
        """Hold a trading partner as declarations_link makes it (the link apart)."""
        if key in fresh:
            # FalkorDB runs the ON CREATE SET of declarations_link for every row of the
            # query that meets a partner the query itself created: the batch's last spelling
            # stays (measured). Addresses, merged in upsert_*, keep the first.
            self._pending["Partner"][key].update(name=name, country=country)
        elif not self._known("Partner", key):
            self._node("Partner", key, {"name": name, "country": country, **self._linked})
            fresh.add(key)

    def _declarations(self, arrays: dict[str, Any]) -> None:
        """Hold declarations taken by column (``Taken.select``) and their links; their
        partners are held row by row (``_partner``), in the order the rows came."""
        import pyarrow.compute as pc

        keys = arrays["declaration_no"].to_pylist()
        self._column_nodes["Declaration"].append(
            {"declaration_no": arrays["declaration_no"], **{name: arrays[name] for name in DECLARATION_PROPERTIES},
             "row_hash": arrays["row_hash"]})
        self._column_keys["Declaration"].update(dict.fromkeys(keys))
        self._column_link("FOR_TRADER", keys, "Enterprise", arrays["trader_tax_code"].to_pylist())
        for field, label, link in (*_PARTIES, ("partners", "Partner", "WITH_PARTNER")):
            values = arrays[_PARTY_FIELDS[field]]
            if field == "vehicles":  # a list a declaration
                sources = [keys[i] for i in pc.list_parent_indices(values).to_pylist()]
                targets = pc.list_flatten(values).to_pylist()
            else:
                present = pc.is_valid(values).to_numpy(zero_copy_only=False)
                sources = np.array(keys, object)[present].tolist()
                targets = pc.drop_null(values).to_pylist()
            self._column_link(link, sources, label, targets)

    def _column_link(self, kind: str, sources: list[str], target_label: str, targets: list[str]) -> None:
        if target_label != "Partner":  # held already
            for key in set(targets):
                self._reference(target_label, key)
        held = self._column_links.setdefault((kind, "Declaration", target_label), ([], []))
        held[0].extend(sources)
        held[1].extend(targets)

    def _known(self, label: str, key: str) -> bool:
        """Return whether a node of ``label`` and ``key`` was met before."""
        return key in self._ids[label] or key in self._pending[label] or key in self._column_keys[label]

    def _node(self, label: str, key: str, props: Properties) -> None:
        """MERGE with ON CREATE: the first row to name a node sets its properties."""
        if not self._known(label, key):
            self._pending[label][key] = {LABEL_BY_NAME[label].key: key, **props}

    def _reference(self, label: str, key: str) -> str:
        """A node named by reference: created with its key alone, marked so, unless it exists."""
        self._node(label, key, self._referenced)
        return key

    def _link(self, kind: str, source_label: str, source: str, target_label: str, target: str, props: Properties) -> None:
        self._relationships.append((kind, source_label, source, target_label, target, props))

    def node(self, label: str, key: str, props: Properties) -> None:
        """Hold one node of the run's own (``IngestRun``), created as given."""
        self._pending[label][key] = {LABEL_BY_NAME[label].key: key, **props}

    def take(self) -> BulkChunk:
        """Number the nodes held from the next free id on and return them with the relationships held."""
        import pyarrow as pa

        chunk = BulkChunk(self._next)
        for label, pending in self._pending.items():
            if pending:
                ids = self._ids[label]
                for key in pending:
                    ids[key] = self._next
                    self._next += 1
                chunk.nodes[label] = list(pending.values())
        self._pending = defaultdict(dict)
        for label, groups in self._column_nodes.items():
            keys = self._column_keys[label]
            self._ids[label].update(zip(keys, range(self._next, self._next + len(keys))))
            self._next += len(keys)
            columns = {name: pa.concat_arrays([g[name] for g in groups]) for name in groups[0]}
            chunk.node_columns.append(NodeColumns(label, columns, self._seen))
        self._column_nodes, self._column_keys = defaultdict(list), defaultdict(dict)
        ids = self._ids
        for kind, source_label, source, target_label, target, props in self._relationships:
            chunk.relationships.setdefault(kind, []).append((ids[source_label][source], ids[target_label][target], props))
        self._relationships = []
        for (kind, source_label, target_label), (sources, targets) in self._column_links.items():
            chunk.relationship_columns.append(RelationshipColumns(
                kind, np.fromiter(map(ids[source_label].__getitem__, sources), np.int64, len(sources)),
                np.fromiter(map(ids[target_label].__getitem__, targets), np.int64, len(targets)), self._linked))
        self._column_links = {}
        return chunk
