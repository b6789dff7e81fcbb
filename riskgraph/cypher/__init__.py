"""Every query riskgraph runs, one named ``.cypher`` file each, parameters only.

``NAME.cypher`` serves both dialects; ``NAME.falkordb.cypher`` and ``NAME.neo4j.cypher``
exist side by side only where FalkorDB and Neo4j truly differ (schema creation).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from riskgraph.errors import QueryError

DIRECTORY = Path(__file__).parent
DIALECTS = ("falkordb", "neo4j")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@lru_cache(maxsize=None)
def load(name: str, dialect: str) -> str:
    """Return the text of query ``name`` for ``dialect``, comments stripped."""
    if not _NAME.match(name) or dialect not in DIALECTS:
        raise QueryError(f"no query named {name!r} for dialect {dialect!r}")
    for candidate in (DIRECTORY / f"{name}.{dialect}.cypher", DIRECTORY / f"{name}.cypher"):
        if candidate.exists():
            return _strip_comments(candidate.read_text(encoding="utf-8"))
    raise QueryError(f"no query named {name!r}: expected {name}.cypher in {DIRECTORY}")


def statements(name: str, dialect: str) -> list[str]:
    """Return the statements of a multi-statement file (schema), split on ``;`` line ends."""
    return [s.strip() for s in re.split(r";\s*\n", load(name, dialect)) if s.strip()]


def names() -> list[str]:
    """Return the name of every query, dialect variants folded into one name."""
    return sorted({p.name.split(".")[0] for p in DIRECTORY.glob("*.cypher")})


def files() -> list[Path]:
    return sorted(DIRECTORY.glob("*.cypher"))


def _strip_comments(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return "\n".join(lines).strip()
