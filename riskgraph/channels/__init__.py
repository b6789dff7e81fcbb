"""Channels (phân luồng): green, yellow or red for declarations not yet cleared, from the
selectivity model or, without one, the graph and profile score; with reasons."""

from riskgraph.channels.assessor import Assessment, Assessor, ProfileHit
from riskgraph.channels.policy import LANES, Policy, stricter

__all__ = ["LANES", "Assessment", "Assessor", "Policy", "ProfileHit", "stricter"]
