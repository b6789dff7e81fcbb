"""Evaluation: how well the rankings find what was found later, on the store's own history.

``entity_backtest`` grades entity risk on the violations decided after an as-of date,
beside the ``baselines`` (own history, PageRank on past violators); ``declaration_backtest``
trains the selectivity model as of a date and grades it on the inspections after it,
beside three baselines. Both write a report and ``charts``; their metrics are
riskgraph.ranking's, as training validation's are.
"""

from riskgraph.evaluation.baselines import BASELINES

__all__ = ["BASELINES"]
