"""The ``riskgraph`` command line: one module per command family (``store``, ``ingest``,
``entities``, ``declarations``, ``evaluation``, ``api``, ``demo``), ``output`` for
tables, CSV and JSON, ``common`` for what they share."""

from riskgraph.cli.main import main

__all__ = ["main"]
