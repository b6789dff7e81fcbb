"""The offline GraphiQL explorer: a page and its vendored assets, shipped in the package.

Customs networks are air-gapped, so the page loads GraphiQL and React from the API
itself (under ``/graphql/explorer/``), never from a CDN. The files and their licences
are listed in ``explorer/LICENSES.md``.
"""

from __future__ import annotations

import functools
from importlib import resources

ASSETS: dict[str, str] = {
    "graphiql.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
    "react.production.min.js": "text/javascript; charset=utf-8",
    "react-dom.production.min.js": "text/javascript; charset=utf-8",
}
"""Asset file name -> media type, for the files the explorer page loads."""


def _file(name: str):
    return resources.files("riskgraph.api").joinpath("explorer", name)


@functools.cache
def page() -> str:
    """Return the explorer page (``explorer/index.html``) as text, read once and cached."""
    return _file("index.html").read_text(encoding="utf-8")


def asset(name: str) -> bytes | None:
    """Return the bytes of the asset called ``name``, or None unless it is a key of ASSETS.

    Only the names in ASSETS are ever read (and cached), so a request path can reach no
    other file, and unknown names do not grow the cache.
    """
    if name not in ASSETS:
        return None
    return _read(name)


@functools.cache
def _read(name: str) -> bytes:
    return _file(name).read_bytes()
