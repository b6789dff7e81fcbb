"""Loading feeds: idempotent, resolved, with provenance and references kept."""

from __future__ import annotations

import json

from riskgraph.graph.digest import graph_digest, nodes, relationships
from tests.ingest.helpers import DECLARATIONS, DECLARATIONS_HEADER, ENTERPRISES, count, domain_digest, load, rejects, warnings


def _nodes(store, label):
    return {tuple(sorted(r["props"].items()))[0]: r["props"] for r in nodes(store) if r["labels"][0] == label}


def _props(store, label, key_field, key):
    for r in nodes(store):
        if r["labels"][0] == label and r["props"].get(key_field) == key:
            return r["props"]
    return None


def _relationships(store, rel_type):
    return [r for r in relationships(store) if r["type"] == rel_type]


def test_a_feed_loads_with_shared_identifiers_resolved(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES, "declarations.csv": DECLARATIONS})
    report = load(store, feed, tmp_path)
    assert report.status == "loaded" and report.rejected == 0 and report.loaded == 4
    # The two firms wrote the phone, address and account differently: one node each.
    assert count(store, "Phone") == 1 and count(store, "Address") == 1 and count(store, "BankAccount") == 1
    assert len(_relationships(store, "HAS_PHONE")) == 2
    assert len(_relationships(store, "LOCATED_AT")) == 2
    assert len(_relationships(store, "HAS_ACCOUNT")) == 2
    decl = _props(store, "Declaration", "declaration_no", "105123456790")
    assert decl["registered_at"] == "2025-03-18T09:00:00+07:00"  # no offset means Vietnam time
    assert decl["hs_codes"] == ["85171300"]


def test_unknown_references_become_key_only_nodes(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES, "declarations.csv": DECLARATIONS})
    load(store, feed, tmp_path)
    ghost = _props(store, "Enterprise", "tax_code", "0999999999")
    assert ghost["by_reference"] is True and "name" not in ghost
    assert _props(store, "Enterprise", "tax_code", "0100233488")["by_reference"] is False
    assert _props(store, "Agent", "agent_code", "AG01")["by_reference"] is True
    assert _props(store, "Vehicle", "vehicle_id", "MSCU1234565")["by_reference"] is True
    # Described later: no longer known only by reference.
    later = write_feed({"enterprises.csv": "tax_code,name\n0999999999,Công ty Ma\n"}, name="later")
    load(store, later, tmp_path)
    assert _props(store, "Enterprise", "tax_code", "0999999999")["by_reference"] is False


def test_loading_the_same_feed_twice_changes_nothing(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES, "declarations.csv": DECLARATIONS})
    load(store, feed, tmp_path)
    before = graph_digest(store)
    again = load(store, feed, tmp_path)
    assert again.status == "already_loaded" and again.run_id == 1
    assert graph_digest(store) == before
    forced = load(store, feed, tmp_path, force=True)
    assert forced.status == "loaded" and forced.run_id == 2
    assert forced.written.nodes_created == 0 and forced.written.relationships_created == 0
    assert _props(store, "Enterprise", "tax_code", "0100233488")["last_run"] == 2
    assert _props(store, "Enterprise", "tax_code", "0100233488")["source_run"] == 1


def test_forced_reload_changes_no_customs_data(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES, "declarations.csv": DECLARATIONS})
    load(store, feed, tmp_path)
    before = domain_digest(store)
    load(store, feed, tmp_path, force=True)
    assert domain_digest(store) == before


def test_a_changed_declaration_replaces_its_links_and_keeps_its_origin(store, write_feed, tmp_path):
    load(store, write_feed({"declarations.csv": DECLARATIONS}), tmp_path)
    changed = DECLARATIONS_HEADER + "105123456789,import,2025-03-17T08:15:00+07:00,0100233488,AG02,P1,ACME Ltd,CN,51C-123.45,85171300,9000,red,compliant\n"
    load(store, write_feed({"declarations.csv": changed}, name="amended"), tmp_path)
    decl = _props(store, "Declaration", "declaration_no", "105123456789")
    assert decl["value_usd"] == 9000 and decl["inspection_result"] == "compliant"
    assert decl["source_run"] == 1 and decl["last_run"] == 2
    agents = {r["target"] for r in _relationships(store, "FILED_BY_AGENT")}
    assert len(agents) == 1 and len(_relationships(store, "CARRIED_BY")) == 1
    assert _props(store, "Agent", "agent_code", "AG02") is not None


def test_partial_feeds_never_erase_what_is_known(store, write_feed, tmp_path):
    load(store, write_feed({"enterprises.csv": ENTERPRISES}), tmp_path)
    load(store, write_feed({"enterprises.csv": "tax_code,name,status\n0100233488,Công ty TNHH Minh Phát,suspended\n"}, name="update"), tmp_path)
    firm = _props(store, "Enterprise", "tax_code", "0100233488")
    assert firm["status"] == "suspended" and firm["province"] == "TP. Hồ Chí Minh"


def test_runs_are_recorded_with_counts(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES, "declarations.csv": DECLARATIONS})
    report = load(store, feed, tmp_path)
    run = _props(store, "IngestRun", "run_id", 1)
    assert run["status"] == "finished" and run["feed"] == str(feed.resolve()) and run["checksum"] == report.checksum
    assert json.loads(run["counts"])["declarations"]["loaded"] == 2
    firm = _props(store, "Enterprise", "tax_code", "0100233488")
    assert firm["source_run"] == 1 and firm["first_seen"] == run["started_at"] and firm["last_seen"] == run["started_at"]
    summary = json.loads((report.out_dir / "summary.json").read_text())
    assert summary["files"][0]["loaded"] == 2


def test_csv_and_jsonl_load_the_same_graph(settings, store, write_feed, tmp_path):
    from riskgraph.graph import open_store
    from riskgraph.settings import load as load_settings

    csv_feed = write_feed({"enterprises.csv": ENTERPRISES}, name="csv")
    rows = [
        {"tax_code": "0100233488", "name": "Công ty TNHH Minh Phát", "address": "12 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM", "province": "TP. Hồ Chí Minh", "phone": "0901.234.567", "email": "Info@MinhPhat.vn", "bank_accounts": ["VCB:0071000123456"], "registered_on": "2019-05-02", "status": "active", "activities": ["importer", "exporter"]},
        {"tax_code": "0314409058", "name": "Công ty CP Đại Long", "address": "số 12 nguyen hue phuong ben nghe quan 1 tp hcm", "province": "TP. Hồ Chí Minh", "phone": "+84 90 123 4567", "email": None, "bank_accounts": "vcb: 0071-000-123456", "registered_on": "2024-01-10", "status": "absconded", "activities": "importer"},
    ]
    jsonl_feed = write_feed({"enterprises.jsonl": "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"}, name="jsonl")
    load(store, csv_feed, tmp_path)
    other = open_store(load_settings(env={}, data_dir=settings.data_dir, graph=settings.graph + "_jsonl"))
    try:
        load(other, jsonl_feed, tmp_path / "other")
        assert domain_digest(other) == domain_digest(store)
    finally:
        other.close()


def test_tax_code_format_is_a_warning_not_a_rejection(store, write_feed, tmp_path):
    report = load(store, write_feed({"declarations.csv": DECLARATIONS}), tmp_path)
    assert report.rejected == 0
    assert {(w["field"], w["reason"]) for w in warnings(report)} == {("trader_tax_code", "tax code check digit does not match")}


def test_duplicate_identical_rows_load_once(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES + ENTERPRISES.splitlines(keepends=True)[1]})
    report = load(store, feed, tmp_path)
    assert report.files[0].duplicates == 1 and report.rejected == 0 and count(store, "Enterprise") == 2
    assert rejects(report) == []


def test_a_field_emptied_in_a_corrected_declaration_is_removed(store, write_feed, tmp_path):
    load(store, write_feed({"declarations.csv": DECLARATIONS}), tmp_path)
    corrected = DECLARATIONS_HEADER + "105123456789,import,2025-03-17T08:15:00+07:00,0100233488,AG01,P1,ACME Ltd,CN,51C-123.45,85171300,,red,discrepancy\n"
    load(store, write_feed({"declarations.csv": corrected}, name="corrected"), tmp_path)
    decl = _props(store, "Declaration", "declaration_no", "105123456789")
    assert "value_usd" not in decl and decl["row_hash"] and len(_relationships(store, "FOR_TRADER")) == 2
