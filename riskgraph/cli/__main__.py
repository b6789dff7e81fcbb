"""``python -m riskgraph.cli``: the same as the ``riskgraph`` command."""

from riskgraph.cli.main import main

main()
