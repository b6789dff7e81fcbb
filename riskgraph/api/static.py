"""Pages and their assets shipped in the package (the explorer, the workbench), served
from a folder of ``riskgraph/api`` by name: nothing is fetched from the internet."""

from __future__ import annotations

import functools
from importlib import resources


class Folder:
    """The page ``index.html`` of folder ``name`` and the assets named in ``assets`` (file
    name -> media type). Only those names are ever read, so a request path can reach no
    other file; each file is read once and cached."""

    def __init__(self, name: str, assets: dict[str, str]):
        self.name = name
        self.assets = assets
        self.page = functools.cache(self._page)
        self._read = functools.cache(self._bytes)

    def _file(self, name: str):
        return resources.files("riskgraph.api").joinpath(self.name, name)

    def _page(self) -> str:
        return self._file("index.html").read_text(encoding="utf-8")

    def _bytes(self, name: str) -> bytes:
        return self._file(name).read_bytes()

    def asset(self, name: str) -> bytes | None:
        """Return the bytes of asset ``name``, or None unless it is one of ``assets`` and shipped."""
        if name not in self.assets or not self._file(name).is_file():
            return None
        return self._read(name)
