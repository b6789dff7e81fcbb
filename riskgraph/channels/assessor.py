"""Channel recommendation (phân luồng) for declarations not yet cleared.

With a selectivity model trained up to the current analysis' as-of date (``riskgraph
train``; see riskgraph.declarations), a declaration's score is the model's probability of a
discrepancy, which reads the graph scores of its parties among its features, and its
reasons are the model's (riskgraph.declarations.reasons). Without one, or where the newest has
too few labels to have been trained, the score is the graph and profile score below and
each assessment says so in its ``basis``.

The graph and profile score is the noisy-OR of what the current analysis knows about its
parties and goods, each weighted as ``PARTS`` (riskgraph.entities.declaration_risk) says:

    score = 1 - prod(1 - weight * risk)

over the trader, agent, declarant, vehicles and warehouse (their analysed scores), the
goods' HS heading (its discrepancy rate above the usual rate) and the declared unit
value (under 65% of the norm for the same HS code and origin). Nothing is recomputed:
party scores are read from the graph by key, norms from the current analysis.

Lanes follow the shares of the ``Policy`` (riskgraph.channels.policy): red, yellow and
blue (post-clearance audit) each take a target share, part of it drawn at random for
quality control and the rest by risk. Which rule places a declaration depends on the call:

* a batch large enough for every lane's quota to be at least one declaration
  (``Policy.fills``; 100 declarations with the default 1% blue) fills the quotas exactly:
  the top ``red_share`` of the batch red, the next ``yellow_share`` yellow, the next
  ``blue_share`` blue (``policy.fill``): the file of ``riskgraph assess``;
* a smaller batch, such as the single declaration of ``assessDeclaration`` in clearance,
  is placed on score thresholds read from the score distribution of the declarations the
  analysis (or the model's training) saw, so that a declaration's lane does not depend on
  which others came with it (``policy.by_threshold``).

``assess(..., quotas=True/False)`` chooses the rule explicitly. Either way the random
draw is a hash of the declaration number and analysis, so the same declaration always
draws the same, and it is marked ``random``.

Officers' risk profiles (riskgraph.channels.profiles) in force on a declaration's day are
laid over the lanes: the stricter lane wins, each hit is a reason and a ``ProfileHit``
of its own, and profile hits alone send at most ``Policy.profile_cap`` of the declarations
to red (the others go to yellow, and their reason says why); a declaration drawn at
random that a hit lifts stays ``random``. Only declarations in clearance count towards
that cap (``assess(..., clearance=False)`` for a measure over cleared ones).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from riskgraph.channels import profiles as risk_profiles
from riskgraph.channels.policy import Policy, by_threshold, fill
from riskgraph.channels.profiles import ProfileHit
from riskgraph.declarations import artefact, graph_features
from riskgraph.declarations import features as F
from riskgraph.declarations import reasons as declaration_reasons
from riskgraph.entities import require_current
from riskgraph.entities import scores as stored_scores
from riskgraph.entities.declaration_risk import PARTS
from riskgraph.entities.factors import LOW_UNIT_VALUE
from riskgraph.errors import QueryError
from riskgraph.graph import Store
from riskgraph.model import PARTY_KINDS


@dataclass(frozen=True)
class Assessment:
    declaration_no: str
    channel: str  # a lane of ``LANES``
    score: float
    random: bool  # drawn at random for quality control, whatever its risk (``Policy``)
    reasons: tuple[tuple[str, float, str], ...]  # (part, contribution, detail)
    probability: float | None = None  # the selectivity model's, when one was used
    basis: str = "model"
    hits: tuple[ProfileHit, ...] = ()  # the risk profiles it meets


FALLBACK = "graph and profile score: no selectivity model trained up to {as_of} (run `riskgraph train`)"


class Assessor:
    """Scores declarations against the current analysis and the newest selectivity model
    in ``models_dir`` trained up to its as-of date; build once, call many times."""

    def __init__(self, store: Store, policy: Policy = Policy(), models_dir: Path | None = None):
        current = require_current(store)
        self.store, self.policy = store, policy
        self.analysis_id = current["analysis_id"]
        self.as_of, self.model_version = current["as_of"], current["model_version"]
        norms = json.loads(current["norms"])
        self.base_rate = norms["base_rate"]
        self.heading_rate = norms["heading_rate"]
        self.unit_value = norms["unit_value"]
        grid = json.loads(current["thresholds"]).get("declaration_score_quantiles") or [0.0, 1.0]
        self.basis = FALLBACK.format(as_of=self.as_of)
        try:
            self.model = artefact.newest(models_dir, self.as_of) if models_dir else None
        except QueryError as e:  # clearance goes on on the graph score rather than stop
            self.model, self.basis = None, f"graph and profile score: the newest selectivity model cannot be used: {e}"
        if self.model:
            self.basis = "model"
            self.model_version = f"{self.model_version}+{self.model.version}"
            grid = self.model.thresholds
        self.thresholds = policy.thresholds(grid)
        # Officers' risk profiles, compiled once: an edit makes a new revision, and a new Assessor.
        self.profile_revision = risk_profiles.revision(store)
        self.profiles = risk_profiles.Profiles.load(store)
        self.cap = risk_profiles.Cap(policy.profile_cap)

    def assess(self, declarations: list[dict], *, quotas: bool | None = None, explain_all: bool = False,
               clearance: bool = True) -> list[Assessment]:
        """Return the assessment of each validated declaration (``Record.params`` of the
        declarations feed), in their order. With ``quotas`` the batch fills the lanes'
        quotas exactly, without it each declaration is placed on the thresholds; by
        default quotas when the batch is large enough (see the module's docstring). With
        the model, the declarations left green are explained only if ``explain_all``.
        ``clearance``: the declarations are in clearance and count towards the profile
        cap over the assessor's life; False for a measure over cleared declarations (an
        audit plan, a profile's effectiveness), which caps profile hits within the batch
        only and leaves clearance's count alone.
        Cost: one store round trip per 2,000 parties, and with a model one prediction
        over the batch and one SHAP pass over the declarations explained; with risk
        profiles that read party facts, one or two reads more."""
        if quotas is None:
            quotas = self.policy.fills(len(declarations))
        if self.model is not None:
            return self._profiled(declarations, self._learned(declarations, quotas, explain_all), None, clearance)
        scores = stored_scores(self.store, sorted({e for d in declarations for _, e in parties(d)}))
        scored = [self._one(d, scores) for d in declarations]
        lanes = self._lanes([d["key"] for d in declarations], [score for score, _ in scored], quotas)
        return self._profiled(declarations, [Assessment(d["key"], lane, round(score, 4), chosen, reasons, basis=self.basis)
                                             for d, (score, reasons), (lane, chosen) in zip(declarations, scored, lanes)],
                              scores, clearance)

    def scores(self, declarations: list[dict], batch: int = 2000) -> dict[str, float]:
        """Return the score of each declaration by number, as ``assess`` gives it, in
        batches of ``batch`` on the thresholds, counting nothing towards the profile cap:
        what a measure over cleared declarations ranks by. Cost: as ``assess`` per batch."""
        return {a.declaration_no: a.score for i in range(0, len(declarations), batch)
                for a in self.assess(declarations[i:i + batch], quotas=False, clearance=False)}

    def _profiled(self, declarations: list[dict], assessed: list[Assessment], scores: dict | None,
                  clearance: bool) -> list[Assessment]:
        """Lay the active risk profiles' hits over the assessments (``profiles.apply``)."""
        if not len(self.profiles):
            return assessed
        hits = self.profiles.hits(declarations, self.profiles.facts(self.store, declarations, scores))
        return risk_profiles.apply(assessed, hits, self.cap if clearance else risk_profiles.Cap(self.policy.profile_cap))

    def _one(self, d: dict, scores: dict) -> tuple[float, tuple[tuple[str, float, str], ...]]:
        """Return the graph and profile score of a declaration and its reasons."""
        parts: list[tuple[str, float, str]] = []
        by_part: dict[str, tuple[float, str]] = {}
        for part, entity in parties(d):
            known = scores.get(entity)
            risk = known["score"] if known else 0.0
            if risk > by_part.get(part, (0.0, ""))[0]:
                by_part[part] = (risk, f"{entity} scores {risk:.2f} ({known['band']})" if known else "")
        for part, (risk, detail) in by_part.items():
            parts.append((part, PARTS[part] * risk, detail))
        props = d["props"]
        hs = (props.get("hs_codes") or [""])[0]
        rate = self.heading_rate.get(hs[:4])
        if rate is not None and self.base_rate > 0 and rate > self.base_rate:
            excess = min(1.0, (rate - self.base_rate) / (1 - self.base_rate) * 4)
            parts.append(("goods", PARTS["goods"] * excess,
                          f"HS {hs[:4]}: inspections find discrepancies in {rate:.0%}, usually {self.base_rate:.0%}"))
        norm = self.unit_value.get(f"{hs[:6]}|{props.get('origin_country') or ''}")
        value, mass = props.get("value_usd"), props.get("net_mass_kg")
        if norm is not None and value and mass and math.log(value / mass) - norm < LOW_UNIT_VALUE:
            ratio = math.exp(math.log(value / mass) - norm)
            parts.append(("unit_value", PARTS["unit_value"],
                          f"HS {hs[:6]} from {props.get('origin_country')} at {ratio:.0%} of the usual unit value"))
        keep = 1.0
        for _, weight, _ in parts:
            keep *= 1 - min(weight, 0.999)
        score = 1 - keep
        total = sum(-math.log(1 - min(w, 0.999)) for _, w, _ in parts) or 1.0
        reasons = tuple(sorted(((p, score * -math.log(1 - min(w, 0.999)) / total, detail) for p, w, detail in parts if w > 0),
                               key=lambda r: -r[1]))
        return score, tuple((p, round(c, 4), t) for p, c, t in reasons)

    def _learned(self, declarations: list[dict], quotas: bool, explain_all: bool) -> list[Assessment]:
        """Score with the model; explain the declarations it sends to an inspecting lane,
        blue included (a post-clearance auditor needs the reasons as much as the examining
        officer), or all with ``explain_all``: a green one has nothing that raised it past
        the thresholds, and TreeSHAP is most of the cost of an assessment."""
        model = self.model
        d = F.from_records(declarations, sort=False)
        numeric, _ = F.history(d, {}, frozen=model.tables)
        graph = graph_features.stored_scores(self.store, d) if model.graph else None
        x = model.matrix(d, numeric, graph)
        probability = model.probability(x).tolist()
        lanes = self._lanes(d.key.tolist(), probability, quotas)
        explain = [i for i, (lane, _) in enumerate(lanes) if explain_all or lane != "green"]
        contributions = model.contributions(x[explain]) if explain else None
        # The parties' own reasons are read for the explained declarations only: they are
        # most of the bytes of a score row.
        stored = stored_scores(self.store, graph_features.party_keys(d, explain), reasons=True) if explain and model.graph else {}
        why: dict[int, tuple] = {}
        for j, i in enumerate(explain):
            why[i] = declaration_reasons.reasons(probability[i], contributions[j], model.features, d, i, numeric,
                                                 model.tables.p0, stored)
        return [Assessment(d.key[i], lane, round(p, 4), chosen, why.get(i, ()), round(p, 6), "model")
                for i, (p, (lane, chosen)) in enumerate(zip(probability, lanes))]

    def _lanes(self, keys: list[str], scores: list[float], quotas: bool) -> list[tuple[str, bool]]:
        """Return (lane, drawn at random) per declaration: quotas filled over the batch, or thresholds."""
        draws = [self._draw(k) for k in keys]
        if quotas:
            return fill(self.policy, keys, scores, draws)
        return [by_threshold(self.policy, self.thresholds, score, u) for score, u in zip(scores, draws)]

    def _draw(self, declaration_no: str) -> float:
        digest = hashlib.blake2b(f"{self.analysis_id}|{declaration_no}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64


def parties(d: dict) -> Iterator[tuple[str, str]]:
    """Yield (part, "kind:id") for the parties a validated declaration names."""
    yield "trader", f"{PARTY_KINDS['trader']}:{d['trader']}"
    for part in ("agent", "declarant", "vehicle", "warehouse"):
        for k in d[f"{part}s"]:
            yield part, f"{PARTY_KINDS[part]}:{k}"
