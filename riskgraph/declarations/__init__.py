"""Learned selectivity (mô hình phân luồng học máy): a declaration's probability of a
discrepancy, learned from inspection outcomes, with reasons an officer can read.

``features`` (a declaration's own attributes and the history of its parties and goods),
``graph_features`` (its parties' risk scores, point in time), ``training`` (the window,
inverse-propensity weights, LightGBM, time-ordered validation), ``artefact`` (the model
as saved and loaded), ``profiles`` (the riskiest HS x origin x procedure lines) and
``reasons`` (SHAP values in words).
"""

from riskgraph.declarations.artefact import FORMAT, Model, catalogue, load, newest, newest_path, save
from riskgraph.declarations.graph_features import describe, party_keys, stored_scores, suspicious
from riskgraph.declarations.training import MIN_DISCREPANCIES, NotEnoughLabels, Window, fit, train, window

__all__ = [
    "FORMAT", "MIN_DISCREPANCIES", "Model", "NotEnoughLabels", "Window", "catalogue", "describe", "fit", "load", "newest",
    "newest_path", "party_keys", "save", "stored_scores", "suspicious", "train", "window",
]
