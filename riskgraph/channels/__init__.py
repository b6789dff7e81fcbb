"""Channels (phân luồng): green, blue (post-clearance audit), yellow or red for declarations
not yet cleared, from the selectivity model or, without one, the graph and profile score;
with reasons. Lanes and quotas in ``policy``, the post-clearance audit plan of a period in
``audit_plan``."""

from riskgraph.channels.assessor import Assessment, Assessor, ProfileHit
from riskgraph.channels.policy import LANES, Policy, stricter

__all__ = ["LANES", "Assessment", "Assessor", "Policy", "ProfileHit", "stricter"]
