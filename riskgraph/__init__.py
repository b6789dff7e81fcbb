"""riskgraph: graph intelligence and link analysis for customs risk management."""

__version__ = "0.1.0"
