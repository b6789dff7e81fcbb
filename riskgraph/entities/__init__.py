"""Entity risk (rủi ro đối tượng): every enterprise, person, agent and vehicle scored from
its own record and its network, with reasons, communities and suspicious networks.

One step per module: ``projection`` (what was known at the as-of date), ``factors``
(own risk), ``propagation`` (network risk), ``explain`` (paths), ``communities``
(Leiden, components, suspicious networks), ``analysis`` (score and reasons),
``declaration_risk`` (what entity risk says of a declaration), ``results`` (written back
atomically) and ``lists`` (key targets and networks as units read them).
"""

from riskgraph.entities.analysis import BANDS, NETWORK_GAIN, TOP_NETWORKS, Analysis, Reason, analyze, band, score_projection
from riskgraph.entities.lists import key_target_count, key_target_rows, key_targets, network_rows, networks
from riskgraph.entities.projection import Projection, forget, project
from riskgraph.entities.results import current, require_current, save, scores

__all__ = [
    "BANDS", "NETWORK_GAIN", "TOP_NETWORKS", "Analysis", "Projection", "Reason", "analyze", "band", "current", "forget",
    "key_target_count", "key_target_rows", "key_targets", "network_rows", "networks", "project", "require_current",
    "save", "score_projection", "scores",
]
