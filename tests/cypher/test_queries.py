"""Every query is a named file that parses; no Python code builds Cypher from values."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from riskgraph import cypher
from riskgraph.model import LABELS

PACKAGE = Path(cypher.__file__).resolve().parents[1]
CYPHER_SHAPES = re.compile(r"\b(MATCH|MERGE|CREATE)\s*\(|\bUNWIND\s+[\[$]|\bDETACH\s+DELETE\b|\bRETURN\s+\w+(\.\w+)?\s+AS\b|\bCALL\s+(db|algo|gds)\.", re.I)


def falkordb_names() -> list[str]:
    return [p.name.split(".")[0] for p in cypher.files() if not p.name.endswith(".neo4j.cypher")]


@pytest.mark.parametrize("name", sorted(set(falkordb_names())))
def test_every_query_parses_in_the_embedded_store(store, name):
    store.ensure_schema()  # FalkorDB plans queries only against an existing graph
    if name == "schema":
        return  # index DDL has no plan; ensure_schema just ran every statement of it
    assert store.explain(name), f"{name} gave no plan"


def test_dialect_variants_come_in_pairs_or_fall_back_to_a_shared_file():
    for path in cypher.files():
        parts = path.name.split(".")
        if len(parts) == 3:
            name, dialect = parts[0], parts[1]
            assert dialect in cypher.DIALECTS, path.name
            other = "falkordb" if dialect == "neo4j" else "neo4j"
            # A dialect-only query must not exist for one backend and be missing for the other,
            # unless it is a FalkorDB introspection helper the Neo4j schema does not need.
            assert (cypher.DIRECTORY / f"{name}.{other}.cypher").exists() or (cypher.DIRECTORY / f"{name}.cypher").exists() or name.startswith("schema_"), path.name


def test_schema_covers_every_natural_key_in_both_dialects():
    for dialect in cypher.DIALECTS:
        text = cypher.load("schema", dialect)
        for label in LABELS:
            assert re.search(rf":{label.name}\)\s+(ON|REQUIRE)\s+\(?n\.{label.key}\b", text), (dialect, label)


def test_unknown_query_names_are_refused():
    with pytest.raises(Exception, match="no query named"):
        cypher.load("../etc/passwd", "falkordb")
    with pytest.raises(Exception, match="no query named"):
        cypher.load("no_such_query", "falkordb")


def _python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "small_world" not in p.parts)


def test_no_python_code_holds_or_builds_cypher():
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            else:
                continue
            if CYPHER_SHAPES.search(text) and not _is_docstring(tree, node):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {text[:60]!r}")
    assert not offenders, "Cypher outside riskgraph/cypher:\n" + "\n".join(offenders)


def _is_docstring(tree: ast.AST, node: ast.AST) -> bool:
    for parent in ast.walk(tree):
        if isinstance(parent, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and parent.body:
            first = parent.body[0]
            if isinstance(first, ast.Expr) and first.value is node:
                return True
    return False


def test_the_scan_catches_a_built_query():
    tree = ast.parse('q = f"MATCH (e:Enterprise {{tax_code: \'{code}\'}}) RETURN e"')
    texts = ["".join(v.value for v in n.values if isinstance(v, ast.Constant)) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)]
    assert any(CYPHER_SHAPES.search(t) for t in texts)
