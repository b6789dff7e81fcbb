"""The offline GraphiQL explorer: a page and its vendored assets, shipped in the package.

Customs networks are air-gapped, so the page loads GraphiQL and React from the API
itself (under ``/graphql/explorer/``), never from a CDN. The files and their licences
are listed in ``explorer/LICENSES.md``.
"""

from __future__ import annotations

from riskgraph.api import static

ASSETS: dict[str, str] = {
    "graphiql.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
    "react.production.min.js": "text/javascript; charset=utf-8",
    "react-dom.production.min.js": "text/javascript; charset=utf-8",
}
"""Asset file name -> media type, for the files the explorer page loads."""


_FOLDER = static.Folder("explorer", ASSETS)
page = _FOLDER.page
"""Return the explorer page (``explorer/index.html``) as text, read once and cached."""
asset = _FOLDER.asset
"""Return the bytes of an asset named in ASSETS (and shipped), else None."""
