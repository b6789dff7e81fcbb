"""The layout is the design: lower layers never import upper ones, no module imports
another in a circle, and no module reaches into another's ``_private`` names.

Read from the source (AST), so function-level imports count as much as module-level
ones. The layers, lowest first; packages in one tuple may not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "riskgraph"
CORE = ("riskgraph", "riskgraph.errors", "riskgraph.settings", "riskgraph.model", "riskgraph.ranking", "riskgraph.dates",
        "riskgraph.memory", "riskgraph.files")
LAYERS = (("core",), ("cypher",), ("graph",), ("ingest",), ("synthetic", "entities"), ("declarations",), ("channels",),
          ("evaluation",), ("api",), ("cli",))
RANK = {name: (level, name) for level, names in enumerate(LAYERS) for name in names}


def modules() -> dict[str, Path]:
    """Return every module of the package by dotted name."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def layer(module: str) -> str:
    return "core" if module in CORE else module.split(".")[1]


def imports(path: Path, known: dict[str, Path]) -> list[tuple[str, list[str], int]]:
    """Return (imported riskgraph module, names taken from it, line) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("riskgraph")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("riskgraph"):
                continue
            plain = []
            for a in node.names:
                if f"{base}.{a.name}" in known:  # a submodule: the import is of it
                    out.append((f"{base}.{a.name}", [], node.lineno))
                else:
                    plain.append(a.name)
            if plain or not node.names:
                out.append((base, plain, node.lineno))
    return out


def graph() -> dict[str, list[tuple[str, list[str], int]]]:
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def test_no_layer_imports_one_above_it_or_a_sibling():
    wrong = []
    for module, found in graph().items():
        for target, _, line in found:
            mine, theirs = RANK[layer(module)], RANK[layer(target)]
            if theirs[0] > mine[0] or (theirs[0] == mine[0] and theirs[1] != mine[1]):
                wrong.append(f"{module}:{line} imports {target} ({theirs[1]} is not below {mine[1]})")
    assert wrong == []


def test_no_module_imports_another_in_a_circle():
    edges = {m: {t for t, _, _ in found if t != m} for m, found in graph().items()}
    circles, state = [], {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = "open"
        for t in sorted(edges.get(m, ())):
            if state.get(t) == "open":
                circles.append(" -> ".join(trail[trail.index(t):] + [t]))
            elif t not in state:
                visit(t, trail + [t])
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            visit(m, [m])
    assert circles == []


def private_uses(path: Path, known: dict[str, Path]) -> list[str]:
    """Return the ``_private`` names ``path`` takes from other riskgraph modules: imported
    by name, or read as an attribute of a module it imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = lambda n: n.startswith("_") and not n.startswith("__")  # noqa: E731
    out = [f"{line}: {n} from {target}" for target, names, line in imports(path, known) for n in names if private(n)]
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("riskgraph"):
            bound |= {a.asname or a.name for a in node.names if f"{node.module}.{a.name}" in known}
        elif isinstance(node, ast.Import):
            bound |= {a.asname for a in node.names if a.asname and a.name in known}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound and private(node.attr):
            out.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return out


def test_no_private_name_is_taken_from_another_module():
    known = modules()
    wrong = [f"{path.relative_to(ROOT)}:{use}" for path in [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py"),
                                                             *(ROOT / "bench").rglob("*.py")] for use in private_uses(path, known)]
    assert wrong == []


def test_the_checks_catch_an_upward_import_and_a_private_name(tmp_path):
    """The checker itself, on a module of entities that imports the API and a private name."""
    probe = PACKAGE / "entities" / "probe_layers.py"
    probe.write_text("from riskgraph.api import auth\nfrom riskgraph.entities import results\n"
                     "from riskgraph.entities.results import _hidden\nresults._hidden\n", encoding="utf-8")
    try:
        known = modules()
        found = imports(probe, known)
        assert ("riskgraph.api.auth", [], 1) in found
        assert RANK[layer("riskgraph.api.auth")][0] > RANK[layer("riskgraph.entities.probe_layers")][0]
        assert private_uses(probe, known) == ["3: _hidden from riskgraph.entities.results", "4: results._hidden"]
    finally:
        probe.unlink()
