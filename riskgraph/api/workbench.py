"""The workbench: the browser pages for officers and investigators, shipped in the package.

One page (``workbench/index.html``) and its ES modules and style sheet, served at ``/``
and ``/workbench/NAME`` with no build step and nothing fetched from the internet; every
read and write goes through ``/graphql`` with the tab's API key, so roles and the audit
apply as to any client. ``chart.js`` (the link chart) is loaded only when a chart opens.
"""

from __future__ import annotations

from riskgraph.api import static

_JS = "text/javascript; charset=utf-8"
ASSETS: dict[str, str] = {
    "app.js": _JS,
    "api.js": _JS,
    "ui.js": _JS,
    "pages.js": _JS,
    "dossier.js": _JS,
    "actions.js": _JS,
    "queue.js": _JS,
    "chart.js": _JS,
    "cytoscape.esm.min.js": _JS,
    "style.css": "text/css; charset=utf-8",
    "chart.css": "text/css; charset=utf-8",
}
"""Asset file name -> media type, for the files the workbench page loads."""

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
"""The Content-Security-Policy of the page and its assets: only the API's own files run."""


_FOLDER = static.Folder("workbench", ASSETS)
page = _FOLDER.page
"""Return the workbench page (``workbench/index.html``) as text, read once and cached."""
asset = _FOLDER.asset
"""Return the bytes of an asset named in ASSETS (and shipped), else None."""
