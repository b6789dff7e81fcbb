"""The audit log: who read which dossier, path or neighbourhood, every change, every
denied request; shown by the auditLog query and `riskgraph audit`; append-only."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskgraph.api import audit, auth
from riskgraph.api.services import Services
from riskgraph.cli import main
from riskgraph.errors import StoreError
from tests.api.conftest import codes

CYPHER = Path(__file__).resolve().parents[2] / "riskgraph" / "cypher"
ENTERPRISE, OTHER, WITH_INTEL = "0309757719", "0358652243", "0230028137"


def _entries(api, **filters) -> list[dict]:
    return audit.entries(api.store, limit=10_000, **filters)


def _one_new_entry(api, before: list[dict]) -> dict:
    seen = {e["entry_id"] for e in before}
    new = [e for e in _entries(api) if e["entry_id"] not in seen]
    assert len(new) == 1, new
    return new[0]


# (role, request, variables, operation, arguments expected in the entry, result size from the answer's data)
AUDITED = {
    "dossier": ("officer", 'query($id: String!) { dossier(kind: ENTERPRISE, id: $id) { intel { reportId } violations { violationId } } }',
                {"id": WITH_INTEL}, "dossier", {"kind": "enterprise", "id": WITH_INTEL},
                lambda d: 1 + len(d["dossier"]["intel"]) + len(d["dossier"]["violations"])),
    "unknown dossier": ("officer", '{ dossier(kind: PERSON, id: "000000000000") { entity { id } } }', None, "dossier",
                        {"kind": "person", "id": "000000000000"}, lambda d: 0),
    "connection": ("investigator", 'query($a: String!, $b: String!) { connection(from: {kind: ENTERPRISE, id: $a}, to: {kind: ENTERPRISE, id: $b}, maxHops: 3) { paths { length } } }',
                   {"a": ENTERPRISE, "b": OTHER}, "connection",
                   {"source": f"enterprise:{ENTERPRISE}", "target": f"enterprise:{OTHER}", "max_hops": 3}, lambda d: len(d["connection"]["paths"])),
    "neighbourhood": ("investigator", f'{{ neighbourhood(kind: ENTERPRISE, id: "{ENTERPRISE}", depth: 2, limit: 12) {{ nodes {{ nodeId }} }} }}', None,
                      "neighbourhood", {"entity": f"enterprise:{ENTERPRISE}", "depth": 2, "limit": 12}, lambda d: len(d["neighbourhood"]["nodes"])),
    "submitIntel": ("investigator", 'mutation { submitIntel(input: {receivedOn: "2024-06-01", reliability: "C", credibility: "3", '
                    f'subjectKind: ENTERPRISE, subjectId: "{OTHER}", summary: "audited report", reportId: "AUDIT-1"}}) {{ reportId }} }}', None,
                    "submitIntel", {"report_id": "AUDIT-1", "subject_id": OTHER, "summary": "audited report", "reliability": "C"}, lambda d: 1),
    "recordInspectionResult": ("admin", 'mutation { recordInspectionResult(declarationNo: "101445708917", result: COMPLIANT) { declarationNo } }', None,
                               "recordInspectionResult", {"declaration_no": "101445708917", "result": "compliant"}, lambda d: 1),
    "addWatchlist": ("admin", f'mutation {{ addWatchlist(ref: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, reason: "audit test") {{ entryId }} }}', None,
                     "addWatchlist", {"entity": f"enterprise:{ENTERPRISE}", "reason": "audit test"}, lambda d: 1),
    "removeWatchlist": ("admin", f'mutation {{ removeWatchlist(ref: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, reason: "audit done") }}', None,
                        "removeWatchlist", {"entity": f"enterprise:{ENTERPRISE}", "reason": "audit done"}, lambda d: d["removeWatchlist"]),
    "createApiKey": ("admin", 'mutation { createApiKey(role: "officer", name: "audited key") { keyId } }', None,
                     "createApiKey", {"role": "officer", "name": "audited key"}, lambda d: 1),
    "revokeApiKey": ("admin", 'mutation { revokeApiKey(keyId: "ffffffffffff") { keyId } }', None,
                     "revokeApiKey", {"key_id": "ffffffffffff"}, lambda d: 0),
}


@pytest.mark.parametrize("case", list(AUDITED))  # in order: removeWatchlist closes what addWatchlist opened
def test_each_sensitive_read_and_every_mutation_appends_one_entry(own_api, case):
    role, query, variables, operation, arguments, size = AUDITED[case]
    before = _entries(own_api)
    data = own_api.data(query, variables, role)
    entry = _one_new_entry(own_api, before)
    assert (entry["key_name"], entry["role"], entry["operation"], entry["outcome"]) == (own_api.names[role], role, operation, "ok")
    stored = json.loads(entry["arguments"])
    assert {k: stored.get(k) for k in arguments} == arguments
    assert entry["result_size"] == size(data)
    assert entry["key_id"] == own_api.keys[role].split("_")[1]
    assert re.match(r"^\d{8}T\d{6}\.\d{6}-[0-9a-f]{6}$", entry["entry_id"]) and entry["at"]


def test_a_revoke_of_a_real_key_records_its_id_and_size_one(own_api):
    key_id = own_api.data('mutation { createApiKey(role: "clearance", name: "short lived") { keyId } }')["createApiKey"]["keyId"]
    before = _entries(own_api)
    own_api.data('mutation($k: String!) { revokeApiKey(keyId: $k) { keyId } }', {"k": key_id})
    entry = _one_new_entry(own_api, before)
    assert entry["operation"] == "revokeApiKey" and json.loads(entry["arguments"]) == {"key_id": key_id} and entry["result_size"] == 1


def test_a_denied_request_is_audited_as_denied_and_nothing_of_it_runs(own_api):
    before = _entries(own_api)
    query = (f'{{ dossier(kind: ENTERPRISE, id: "{ENTERPRISE}") {{ entity {{ id }} }} '
             f'connection(from: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, to: {{kind: ENTERPRISE, id: "{OTHER}"}}) {{ found }} }}')
    answer = own_api.gql(query, role="officer")
    assert codes(answer) == ["FORBIDDEN"] and "data" not in answer
    entry = _one_new_entry(own_api, before)  # the denial only: the allowed dossier did not run
    assert (entry["key_name"], entry["operation"], entry["outcome"], entry["result_size"]) == ("test-officer", "denied", "forbidden", 0)
    assert "connection" in json.loads(entry["arguments"])["query"]


def test_a_forbidden_mutation_is_denied_audited_and_writes_nothing(own_api):
    nodes, before = own_api.nodes(), _entries(own_api)
    answer = own_api.gql(f'mutation {{ addWatchlist(ref: {{kind: ENTERPRISE, id: "{ENTERPRISE}"}}, reason: "not mine to add") {{ entryId }} }}',
                         role="investigator")
    assert codes(answer) == ["FORBIDDEN"] and "data" not in answer
    assert _one_new_entry(own_api, before)["operation"] == "denied"
    assert own_api.nodes() == nodes


def test_the_audit_log_query_shows_entries_newest_first_and_filters_them(own_api):
    own_api.data(f'{{ dossier(kind: ENTERPRISE, id: "{ENTERPRISE}") {{ entity {{ id }} }} }}', role="investigator")
    own_api.gql("{ apiKeys { keyId } }", role="clearance")  # denied
    log = own_api.data("{ auditLog(first: 500) { entryId at keyId keyName role operation arguments resultSize outcome } }")["auditLog"]
    ids = [e["entryId"] for e in log]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    assert log[0]["keyName"] == "test-clearance" and log[0]["operation"] == "denied" and log[0]["outcome"] == "forbidden"
    assert log[1]["keyName"] == "test-investigator" and log[1]["operation"] == "dossier"
    assert {"dossier", "connection", "neighbourhood", "submitIntel", "addWatchlist", "denied"} <= {e["operation"] for e in log}

    mine = own_api.data('{ auditLog(keyName: "test-investigator", operation: "dossier") { keyName operation } }')["auditLog"]
    assert mine and all(e == {"keyName": "test-investigator", "operation": "dossier"} for e in mine)
    older = own_api.data("query($b: String) { auditLog(first: 2, before: $b) { entryId } }", {"b": ids[1]})["auditLog"]
    assert [e["entryId"] for e in older] == ids[2:4]
    # reading the log is itself audited
    assert own_api.data("{ auditLog(first: 1) { operation keyName } }")["auditLog"] == [{"operation": "auditLog", "keyName": "test-admin"}]


def _cli(api, *args):
    env = {"RISKGRAPH_GRAPH": api.settings.graph, "RISKGRAPH_STORE": "falkordb", "RISKGRAPH_FALKORDB_URL": None, "RISKGRAPH_DATA_DIR": None}
    handler = signal.getsignal(signal.SIGTERM)  # the command installs its own
    try:
        result = CliRunner().invoke(main, ["--data-dir", str(api.settings.data_dir), *args], env=env, catch_exceptions=False)
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_audit_command_shows_what_the_api_recorded(own_api):
    own_api.data(f'{{ dossier(kind: ENTERPRISE, id: "{OTHER}") {{ entity {{ id }} }} }}', role="officer")
    own_api.gql("{ auditLog { entryId } }", role="officer")  # denied
    rows = json.loads(_cli(own_api, "audit", "--format", "json", "--limit", "2"))
    assert [(r["key_name"], r["operation"], r["outcome"]) for r in rows] == [("test-officer", "denied", "forbidden"), ("test-officer", "dossier", "ok")]
    assert json.loads(rows[1]["arguments"]) == {"kind": "enterprise", "id": OTHER} and rows[1]["result_size"] >= 1
    mutations = json.loads(_cli(own_api, "audit", "--format", "json", "--operation", "submitIntel"))
    assert mutations and {r["key_name"] for r in mutations} == {"test-investigator"}
    table = _cli(own_api, "audit", "--key-name", "test-officer", "--limit", "5")
    assert "denied" in table and "dossier" in table and "test-admin" not in table


def test_no_query_updates_or_deletes_an_audit_entry():
    touching = {p.name for p in CYPHER.glob("*.cypher") if "AuditEntry" in p.read_text()}
    schema = {"schema.falkordb.cypher", "schema.neo4j.cypher"}
    assert touching - schema == {"audit_append.cypher", "audit_list.cypher", "audit_legacy.cypher", "audit_known.cypher"}
    for name in schema & touching:  # only an index or a uniqueness constraint on the entry id
        for line in (line for line in (CYPHER / name).read_text().splitlines() if "AuditEntry" in line):
            assert re.match(r"^CREATE (INDEX|CONSTRAINT)\b", line.strip()), line
    append = _code(CYPHER / "audit_append.cypher")
    assert append.startswith("UNWIND $rows AS e\nCREATE (:AuditEntry") and not re.search(r"\b(MATCH|MERGE|SET|DELETE|REMOVE|DETACH)\b", append, re.I)
    for read in ("audit_list", "audit_legacy", "audit_known"):
        assert not re.search(r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DETACH|CALL)\b", _code(CYPHER / f"{read}.cypher"), re.I)


def test_no_query_deletes_or_changes_nodes_it_matched_without_a_label():
    """A write on a node matched by ``(n)`` alone could reach an AuditEntry: there is none."""
    for path in CYPHER.glob("*.cypher"):
        code = _code(path)
        assert "DETACH DELETE" not in code.upper(), path.name
        unlabelled = {v for v in re.findall(r"\((\w+)\)", code) if not re.search(rf"\({v}\s*[:{{]", code)}
        for v in unlabelled:
            assert not re.search(rf"\b(DELETE|REMOVE)\b[^\n]*\b{v}\b|\bSET\s+{v}\b", code), (path.name, v)


def _code(path: Path) -> str:
    return "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//")).strip()


def test_a_mutation_refused_for_its_input_is_audited_as_rejected_and_writes_nothing(own_api):
    nodes, before = own_api.nodes(), _entries(own_api)
    answer = own_api.gql('mutation { submitIntel(input: {receivedOn: "2024-06-01", reliability: "Z", credibility: "2", '
                         f'subjectKind: ENTERPRISE, subjectId: "{ENTERPRISE}", summary: "graded badly"}}) {{ reportId }} }}', role="investigator")
    assert codes(answer) == ["BAD_USER_INPUT"] and "reliability" in answer["errors"][0]["message"]
    entry = _one_new_entry(own_api, before)
    assert (entry["operation"], entry["outcome"], entry["result_size"]) == ("submitIntel", "rejected", 0)
    assert "reliability" in json.loads(entry["arguments"])["refused"]
    assert own_api.nodes() == nodes


class _Counting:
    """The store, counting audit writes and failing them while ``failing`` is set."""

    def __init__(self, store):
        self.store, self.writes, self.failing = store, 0, False

    def __getattr__(self, name):
        return getattr(self.store, name)

    def clone(self):
        return self  # every lane's handle counts

    def write(self, name, rows, params=None):
        self.writes += 1
        if self.failing:
            raise StoreError("the store went away")
        return self.store.write(name, rows, params)


def test_concurrent_requests_share_audit_writes_and_each_waits_for_its_entry(own_api):
    store = _Counting(own_api.store)
    services = Services(store, timeout=5.0)
    who = auth.Principal(key_id="k-test", name="group-commit", role="officer")

    async def many(n: int) -> None:
        await asyncio.gather(*(services.audit(who, "dossier", {"id": str(i)}, 1) for i in range(n)))

    asyncio.run(many(40))
    stored = _entries(own_api, key_name="group-commit")
    assert sorted(json.loads(e["arguments"])["id"] for e in stored) == sorted(str(i) for i in range(40))
    assert 1 <= store.writes < 40  # the first entry is written at once, the rest in batches behind it

    store.failing = True
    with pytest.raises(StoreError):
        asyncio.run(many(5))
    store.failing = False
    asyncio.run(many(3))  # a failed batch does not stall the next ones
    assert len(_entries(own_api, key_name="group-commit")) == 43
    services.close()
