"""Synthetic customs worlds for tests, demos and benchmarks (see riskgraph.synthetic.world)."""

from .world import WorldSummary, generate

__all__ = ["WorldSummary", "generate"]
