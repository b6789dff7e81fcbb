"""The bulk path builds exactly the graph the MERGE path builds, and only into an empty graph."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from riskgraph.errors import GraphNotEmpty
from riskgraph.graph import open_store
from riskgraph.graph.digest import canonical_lines, graph_digest
from riskgraph.graph.embedded import AOF_REWRITE_PERCENT, socket_path, stop
from riskgraph.graph.neo4j_import import ImportFiles
from riskgraph.ingest import by_column
from riskgraph.ingest.pipeline import bulk_ingest, ingest
from riskgraph.settings import load
from riskgraph.synthetic import generate
from tests.conftest import SMALL_WORLD
from tests.ingest.helpers import DECLARATIONS, ENTERPRISES, rejects


def _merged(settings, feed, runs, batch_size=2000):
    """Return the digest and lines of the feed loaded by the MERGE path into a graph of its own."""
    clean = open_store(load(env={}, data_dir=settings.data_dir, graph=settings.graph + "_merge"))
    try:
        ingest(clean, feed, runs, batch_size=batch_size)
        return graph_digest(clean), canonical_lines(clean)
    finally:
        clean.close()


def _same(store, expected):
    digest, lines = expected
    if graph_digest(store) != digest:
        got = canonical_lines(store)
        pytest.fail(f"only in the MERGE load: {sorted(set(lines) - set(got))[:5]}\nonly in the bulk load: {sorted(set(got) - set(lines))[:5]}")


def test_bulk_load_of_the_small_world_has_the_merge_digest(settings, store, tmp_path):
    expected = _merged(settings, SMALL_WORLD, tmp_path / "merge-runs")
    report = bulk_ingest(store.bulk(), SMALL_WORLD, tmp_path / "runs", chunk_size=5000)  # several chunks
    assert report.status == "bulk_loaded" and report.rejected == 0 and report.run_id == 1
    assert report.written.nodes_created == sum(r["count"] for r in store.query("count_nodes"))
    _same(store, expected)
    indexed = {(r["label"], p) for r in store.query("schema_indexes") for p in r["properties"]}
    assert ("Declaration", "declaration_no") in indexed and ("Enterprise", "tax_code") in indexed
    # built, not only declared: a lookup through an index still under construction scans
    assert {r["status"] for r in store.query("schema_index_status")} == {"OPERATIONAL"}


@pytest.mark.parametrize("workers", [0, 1])
def test_rejects_duplicates_and_references_as_the_merge_path(settings, store, write_feed, tmp_path, workers):
    bad = DECLARATIONS + "105123456789,import,2025-03-17T08:15:00+07:00,0100233488,AG02,,,,,,1,green,none\n"  # conflicting repeat
    bad += "105123456791,sideways,2025-03-17,0100233488,,,,,,,1,green,none\n"  # not a direction
    feed = write_feed({"enterprises.csv": ENTERPRISES + ENTERPRISES.splitlines(keepends=True)[1], "declarations.csv": bad,
                       "violations.csv": "violation_id,subject_kind,subject_id,declaration_no,kind,decided_on\n"
                                         "V1,agent,AG09,105000000001,smuggling,2024-01-02\n"})
    expected = _merged(settings, feed, tmp_path / "merge-runs")
    report = bulk_ingest(store.bulk(), feed, tmp_path / "runs", batch_size=2, workers=workers)
    assert [f.duplicates for f in report.files][:1] == [1]
    assert sorted(r["field"] for r in rejects(report)) == ["declaration_no", "direction"]
    _same(store, expected)


def test_declarations_taken_by_column_and_by_row_in_one_batch_build_the_merge_graph(settings, store, tmp_path, monkeypatch):
    """Rows not plain (validated by row) among plain ones (kept as columns), partners named
    again with another spelling, and repeats, in batches that cut across the blocks."""
    from tests.ingest.test_by_column import HEADER, PLAIN, TRICKY

    feed = tmp_path / "feed"
    shutil.copytree(SMALL_WORLD, feed)
    lines = (feed / "declarations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    mixed = [row.replace("101919436587", f"1019194366{k:02d}") for k, row in enumerate(TRICKY)]
    mixed += [PLAIN.replace("101919436587", f"1019194367{k:02d}").replace("Hanil Co., Ltd.", spelling)
              for k, spelling in enumerate(["Hanil Co., Ltd", "HANIL CO., LTD.", "Hanil Co., Ltd."])]
    # The crafted rows in the world's columns (those they lack left empty).
    columns = next(csv.reader(lines[:1]))
    out = io.StringIO()
    csv.DictWriter(out, columns, restval="").writerows(csv.DictReader(io.StringIO(HEADER + "".join(mixed))))
    crafted = out.getvalue().replace("\r\n", "\n").splitlines(keepends=True)
    (feed / "declarations.csv").write_text("".join([lines[0], *lines[1:400], *crafted, *lines[1:5], *lines[400:]]), encoding="utf-8")
    monkeypatch.setattr(by_column, "BLOCK_BYTES", 30_000)
    expected = _merged(settings, feed, tmp_path / "merge-runs", batch_size=7)  # a partner's spelling depends on the batches
    report = bulk_ingest(store.bulk(), feed, tmp_path / "runs", batch_size=7, chunk_size=3000)
    declarations = next(f for f in report.files if f.kind == "declarations")
    assert declarations.duplicates == 4 and declarations.rejected >= 3 and declarations.warnings >= 2
    _same(store, expected)


def test_the_server_rewrites_its_log_only_once_a_bulk_load_ends(settings, store, write_feed, tmp_path):
    conn = redis.Redis(unix_socket_path=str(socket_path(settings.store_dir.resolve())))

    def percentage() -> str:
        return conn.config_get("auto-aof-rewrite-percentage")["auto-aof-rewrite-percentage"]

    writer = store.bulk()
    assert percentage() == "0"
    writer.abort()  # a load that failed
    assert percentage() == AOF_REWRITE_PERCENT
    writer, during = store.bulk(), []
    send = writer.send
    writer.send = lambda chunk: during.append(percentage()) or send(chunk)
    bulk_ingest(writer, write_feed({"enterprises.csv": ENTERPRISES}), tmp_path / "runs")
    assert during and set(during) == {"0"}
    assert percentage() == AOF_REWRITE_PERCENT
    conn.close()


def test_refused_on_a_graph_that_holds_nodes(store, write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES})
    ingest(store, feed, tmp_path / "runs")
    held = sum(r["count"] for r in store.query("count_nodes"))
    with pytest.raises(GraphNotEmpty, match=rf"graph {store.info().graph} holds {held} nodes"):
        store.bulk()


def test_neo4j_import_files_hold_the_graph_and_the_command_names_them(write_feed, tmp_path):
    feed = write_feed({"enterprises.csv": ENTERPRISES, "declarations.csv": DECLARATIONS})
    files = ImportFiles(tmp_path / "import")
    report = bulk_ingest(files, feed, tmp_path / "runs")
    command = files.command()
    assert command[:4] == ["neo4j-admin", "database", "import", "full"] and command[-1] == "neo4j"
    assert "--id-type=integer" in command and report.next_step.count("neo4j-admin") == 1
    groups = [arg.split("=", 2) for arg in command if arg.startswith(("--nodes=", "--relationships="))]
    ids, ends, labels = set(), [], {}
    for option, name, paths in groups:
        header_path, data_path = (Path(p) for p in paths.split(","))
        header = next(csv.reader(open(header_path, encoding="utf-8")))
        rows = list(csv.reader(open(data_path, encoding="utf-8")))
        assert all(len(row) == len(header) for row in rows)
        if option == "--nodes":
            assert header[0] == ":ID"
            labels[name] = labels.get(name, 0) + len(rows)
            ids.update(int(row[0]) for row in rows)
        else:
            assert header[:2] == [":START_ID", ":END_ID"]
            ends += [int(v) for row in rows for v in row[:2]]
    assert len(ids) == report.written.nodes_created and set(ends) <= ids  # every end is a node of the files
    assert labels["Declaration"] == 2 and labels["IngestRun"] == 1 and labels["Partner"] == 1
    enterprise = next(csv.reader(open(tmp_path / "import" / "nodes-Enterprise-0.header.csv", encoding="utf-8")))
    assert "activities:string[]" in enterprise and "by_reference:boolean" in enterprise and "source_run:long" in enterprise


def test_cli_bulk_loads_and_refuses_a_second_time(settings, write_feed):
    feed = write_feed({"enterprises.csv": ENTERPRISES, "declarations.csv": DECLARATIONS})
    env = {**os.environ, "RISKGRAPH_DATA_DIR": str(settings.data_dir), "RISKGRAPH_GRAPH": settings.graph}
    first = subprocess.run([sys.executable, "-m", "riskgraph.cli", "ingest", "--bulk", str(feed)], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "run 1 bulk_loaded" in first.stdout
    again = subprocess.run([sys.executable, "-m", "riskgraph.cli", "ingest", "--bulk", str(feed)], env=env, capture_output=True, text=True)
    assert again.returncode == 1 and f"graph {settings.graph} holds" in again.stderr and "without --bulk" in again.stderr


_BULK_SCRIPT = """
import sys
from pathlib import Path
from riskgraph.graph import open_store
from riskgraph.ingest.pipeline import bulk_ingest
from riskgraph.settings import load
store = open_store(load(env={}, data_dir=Path(sys.argv[1]), graph="g"))
report = bulk_ingest(store.bulk(), Path(sys.argv[2]), Path(sys.argv[1]) / "runs", chunk_size=2000)
store.close()
print(report.status)
"""


def test_sigkill_during_a_bulk_load_leaves_the_graph_empty_and_a_rerun_whole(tmp_path):
    world = tmp_path / "world"
    generate(world, 300, 5)
    data = tmp_path / "data"
    settings = load(env={}, data_dir=data, graph="g")
    expected = _merged(settings, world, tmp_path / "merge-runs")
    watcher, building = open_store(settings), open_store(load(env={}, data_dir=data, graph="g.bulk"))
    try:
        proc = subprocess.Popen([sys.executable, "-c", _BULK_SCRIPT, str(data), str(world)], stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not building.query("count_nodes"):  # the first chunk is in
            assert proc.poll() is None, "the load finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert watcher.query("count_nodes") == []  # the graph is still empty
        assert building.query("count_nodes")  # the half-built one is apart

        again = subprocess.run([sys.executable, "-c", _BULK_SCRIPT, str(data), str(world)], capture_output=True, text=True, timeout=300)
        assert again.returncode == 0 and "bulk_loaded" in again.stdout, again.stderr
        _same(watcher, expected)
        assert building.query("count_nodes") == []  # renamed away
        conn = redis.Redis(unix_socket_path=str(socket_path((data / "falkordb").resolve())))
        assert conn.config_get("auto-aof-rewrite-percentage")["auto-aof-rewrite-percentage"] == AOF_REWRITE_PERCENT
        conn.close()
    finally:
        building.close()
        watcher.close()
    stop((data / "falkordb").resolve())
    restarted = open_store(settings)  # replayed from the append-only file
    try:
        _same(restarted, expected)
    finally:
        restarted.close()
