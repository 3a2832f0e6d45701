"""The zero-shot scorer: four log-odds terms, weighted without looking at any label.

One idea: a like/dislike guess with no labels combines four independent pieces of evidence

    s0 = w_u · user_rate_logit     # how often this user likes things (shrunk to base rate)
       + w_s · sim_contrast        # is the target closer to the liked or the disliked items
       + w_p · pop_gain            # do other users like this item more than average
       + w_q · content_quality     # do items described like this one get liked
       + b

and the only question is how much each is worth *in this domain* (in MovieLens the content
contrast matters; in Book-Crossing, where a "dislike" is mostly an unrated, implicit
interaction, only the user's rate does). The weights are set by **self-calibration on the
history-cloze task** (:mod:`cloze`): every rated history is its own small labelled set --
hide one rated item, predict its like flag from the rest. That uses the like flags of
*history entries* (inputs), never a request label or a train label, so it is zero-shot.

When too few histories exist to calibrate (< :data:`MIN_CLOZE_ROWS` pseudo-rows or one
class), the fallback weights below are used: unit weight on the user's rate and on the
contrast measured in cosine units ×1, half weight on the (noisier) population term, and
none on the content-quality term (too few histories to have learned it from).
With an empty history and an unknown item all four terms are 0: a finite, neutral score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from .features import DENSE_NAMES

TERMS: tuple[str, ...] = ("user_rate_logit", "sim_contrast", "pop_gain", "content_quality")
FALLBACK_WEIGHTS: tuple[float, ...] = (1.0, 1.0, 0.5, 0.0)
MIN_CLOZE_ROWS = 200
#: When every history flag is "liked" (implicit feedback), the four terms above are constant:
#: there is no rate, no contrast and no like-rate gain. Whether a user takes to an item is
#: then a question of reach: is it like what they took before, and do many people take it.
#: The cloze then pairs each hidden item with a sampled item the user never touched
#: (:func:`cloze.with_sampled_negatives`) and calibrates these terms instead.
REACH_TERMS: tuple[str, ...] = ("cos_liked_mean", "max_sim_liked", "pop_log_n")


@dataclass
class ZeroShotWeights:
    """Weights of :data:`TERMS` and how they were obtained."""

    weights: tuple[float, ...] = FALLBACK_WEIGHTS
    bias: float = 0.0
    source: str = "fallback"
    terms: tuple[str, ...] = TERMS

    def score(self, dense: np.ndarray) -> np.ndarray:
        """Zero-shot log-odds for raw (unstandardised) dense feature rows."""
        if len(dense) == 0:
            return np.zeros(0)
        cols = [DENSE_NAMES.index(t) for t in self.terms]
        return np.asarray(dense[:, cols] @ np.asarray(self.weights) + self.bias)


def calibrate(
    dense_cloze: np.ndarray, y_cloze: np.ndarray, terms: tuple[str, ...] = TERMS
) -> ZeroShotWeights:
    """Fit the weights of `terms` on history-cloze pseudo-rows (see module docstring).

    Mild L2 (C=1) on ≥ 200 rows: a handful of coefficients are well determined, and the fit
    never sees a request or train label. Too few rows or one class: the fallback weights
    (only defined for TERMS).
    """
    if len(y_cloze) < MIN_CLOZE_ROWS or len(set(y_cloze.tolist())) < 2:
        return ZeroShotWeights()
    cols = [DENSE_NAMES.index(t) for t in terms]
    model = LogisticRegression(C=1.0, max_iter=1000).fit(dense_cloze[:, cols], y_cloze)
    w = tuple(float(v) for v in model.coef_[0])
    source = "cloze" if terms == TERMS else "cloze-sampled-negatives"
    return ZeroShotWeights(weights=w, bias=float(model.intercept_[0]), source=source, terms=terms)
