"""Entity risk (rủi ro đối tượng): every enterprise, person, agent and vehicle scored from
its own record and its network, with reasons, communities and suspicious networks.

One step per module: ``projection`` (what was known at the as-of date), ``factors``
(own risk), ``propagation`` (network risk), ``pagerank``, ``explain`` (paths),
``communities`` (Leiden, components, suspicious networks), ``features`` (what the ranker
sees), ``ranker`` (learned from the store's history), ``analysis`` (score and reasons),
``declaration_risk`` (what entity risk says of a declaration), ``results`` (written back
atomically) and ``lists`` (key targets and networks as units read them).
"""

from riskgraph.entities.analysis import BANDS, TOP_NETWORKS, Analysis, Reason, analyze, band, bands, score_projection
from riskgraph.entities.features import NETWORK_GAIN
from riskgraph.entities.lists import key_target_count, key_target_rows, key_targets, network_rows, networks
from riskgraph.entities.projection import Projection, forget, project
from riskgraph.entities.ranker import PRIORS, Ranker
from riskgraph.entities.ranker import fit as fit_ranker
from riskgraph.entities.ranker import newest as newest_ranker
from riskgraph.entities.ranker import save as save_ranker
from riskgraph.entities.results import current, require_current, save, scores

__all__ = [
    "BANDS", "NETWORK_GAIN", "PRIORS", "TOP_NETWORKS", "Analysis", "Projection", "Ranker", "Reason", "analyze", "band", "bands",
    "current", "fit_ranker", "forget", "newest_ranker", "save_ranker",
    "key_target_count", "key_target_rows", "key_targets", "network_rows", "networks", "project", "require_current",
    "save", "score_projection", "scores",
]
