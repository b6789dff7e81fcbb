"""The writer thread sends what the reading thread wrote out: store-free, on a recording store."""

import csv
import io

from riskgraph.graph.store import WriteSummary
from riskgraph.ingest.validate import validate
from riskgraph.ingest.writer import prepare, write_batch

from .helpers import DECLARATIONS


class Recording:
    """A store that knows some declarations' hashes and records what it is sent."""

    dialect = "falkordb"

    def __init__(self, stored: dict[str, str]):
        self.stored = stored
        self.sent: list[tuple[str, object]] = []

    def prepared(self, rows):
        return [("written out", row["key"]) for row in rows]

    def query(self, name, params=None, *, write=False):
        if name == "declarations_existing":
            return [{"key": k, "row_hash": self.stored[k]} for k in params["keys"] if k in self.stored]
        self.sent.append((name, params["keys"]))
        return []

    def write(self, name, rows, params=None):
        self.sent.append((name, list(rows)))
        return WriteSummary(len(rows))


def _records():
    rows = list(csv.DictReader(io.StringIO(DECLARATIONS)))
    third = dict(rows[1], declaration_no="105123456791")
    return [validate("declarations", row) for row in (*rows, third)]


def test_only_new_and_changed_declarations_are_sent_and_in_batch_order():
    new, changed, same = _records()
    store = Recording({changed.key: "an older hash", same.key: same.digest})
    written = write_batch(store, prepare(store, "declarations", [new, changed, same]), {"run": 2, "now": "2026-12-07"})

    assert written.rows == 3
    names = [name for name, _ in store.sent]
    assert names == ["declarations_create", "declarations_unlink", "declarations_link", "declarations_touch"]
    sent = dict(store.sent)
    assert sent["declarations_create"] == [("written out", new.key)]  # what the reading thread made
    assert [row["key"] for row in sent["declarations_unlink"]] == [changed.key]  # every property, nulls included
    assert None in sent["declarations_unlink"][0]["props"].values()
    assert sent["declarations_link"] == [("written out", new.key), ("written out", changed.key)]
    assert sent["declarations_touch"] == [same.key]


def test_other_kinds_send_their_params_as_written_out():
    store = Recording({})
    record = validate("agents", {"agent_code": "AG01", "tax_code": "0100233488"})
    write_batch(store, prepare(store, "agents", [record]), {"run": 1, "now": "2026-12-07"})
    assert store.sent == [("upsert_agents", [("written out", "AG01")])]
