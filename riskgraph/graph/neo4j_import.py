"""A bulk load for Neo4j 5: the CSV files ``neo4j-admin database import full`` reads.

Neo4j's offline importer builds a new database from header and data files far faster
than any transaction can; it runs with the database stopped, so riskgraph writes the
files and prints the command (``ImportFiles.commit``). Nodes carry the bulk load's
integer ids in an ``:ID`` column (``--id-type=integer``, not kept as a property);
relationships name their ends in ``:START_ID`` and ``:END_ID``. One header and one data
file per label or type, and another pair whenever a later chunk brings a property the
first header lacks. Lists use ``;`` (``--array-delimiter``); free text may hold line
breaks (``--multiline-fields=true``). The importer publishes the database only once it
is whole, so a killed import leaves none.
"""

from __future__ import annotations

import csv
import shlex
import shutil
from pathlib import Path
from typing import Any, TextIO

from riskgraph.graph.bulk import BulkChunk, Properties
from riskgraph.graph.store import WriteSummary

ARRAY_DELIMITER = ";"


def column_type(value: Any) -> str:
    """Return the importer's type of a column from one value of it ("" for string)."""
    if isinstance(value, (list, tuple)):
        inner = column_type(value[0]) if value else ""
        return (inner or "string") + "[]"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return ""


def cell(value: Any) -> str:
    """Return one value as the importer reads it (empty: no property)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ARRAY_DELIMITER.join(cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ImportFiles:
    """A ``BulkWriter`` that writes import files into ``directory`` (made anew)."""

    def __init__(self, directory: Path, database: str = "neo4j"):
        self.directory = directory
        self._database = database
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        self._groups: dict[tuple[str, str, tuple[str, ...]], tuple[TextIO, Any]] = {}  # (kind, name, properties) -> file
        self._order: list[tuple[str, str, Path, Path]] = []  # (--nodes or --relationships, name, header, data)

    def _writer(self, kind: str, name: str, rows: list[Properties]) -> tuple[tuple[str, ...], Any]:
        """Return the properties and CSV writer of the group that holds every property of ``rows``."""
        wanted = set().union(*(row.keys() for row in rows))
        for (k, n, names), (_, out) in self._groups.items():
            if k == kind and n == name and wanted <= set(names):
                return names, out
        names = tuple(dict.fromkeys(p for row in rows for p in row))
        types = {p: next((column_type(row[p]) for row in rows if row.get(p) is not None), "") for p in names}
        stem = f"{kind}-{name}-{sum(1 for k, n, _ in self._groups if (k, n) == (kind, name))}"
        header, data = self.directory / f"{stem}.header.csv", self.directory / f"{stem}.csv"
        ends = [":ID"] if kind == "nodes" else [":START_ID", ":END_ID"]
        with open(header, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow([*ends, *(f"{p}:{types[p]}" if types[p] else p for p in names)])
        handle = open(data, "w", newline="", encoding="utf-8")
        out = csv.writer(handle)
        self._groups[(kind, name, names)] = (handle, out)
        self._order.append((kind, name, header, data))
        return names, out

    def send(self, chunk: BulkChunk) -> WriteSummary:
        next_id = chunk.first_id
        nodes = [*chunk.nodes.items(), *((group.label, group.rows()) for group in chunk.node_columns)]
        for label, rows in nodes:
            if not rows:
                continue
            names, out = self._writer("nodes", label, rows)
            for row in rows:
                out.writerow([next_id, *(cell(row.get(p)) for p in names)])
                next_id += 1
        relationships = [*chunk.relationships.items(), *((group.kind, group.rows()) for group in chunk.relationship_columns)]
        for kind, edges in relationships:
            if not edges:
                continue
            names, out = self._writer("relationships", kind, [props for _, _, props in edges])
            for source, target, props in edges:
                out.writerow([source, target, *(cell(props.get(p)) for p in names)])
        return WriteSummary(chunk.node_count, chunk.node_count, chunk.relationship_count)

    def command(self) -> list[str]:
        """Return the neo4j-admin command that imports the files written."""
        return ["neo4j-admin", "database", "import", "full", "--id-type=integer", "--multiline-fields=true",
                f"--array-delimiter={ARRAY_DELIMITER}",
                *(f"--{kind}={name}={header},{data}" for kind, name, header, data in self._order), self._database]

    def commit(self) -> str:
        for handle, _ in self._groups.values():
            handle.close()
        script = self.directory / "import.sh"
        script.write_text("#!/bin/sh\n" + shlex.join(self.command()) + "\n", encoding="utf-8")
        return (f"import files written to {self.directory}. With Neo4j stopped, run (also in {script}):\n"
                f"  {shlex.join(self.command())}\n"
                "then start Neo4j and run `riskgraph store schema` to create the model's constraints and indexes.")

    def abort(self) -> None:
        for handle, _ in self._groups.values():
            handle.close()
        shutil.rmtree(self.directory, ignore_errors=True)
