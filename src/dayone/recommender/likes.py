"""Will this user like this item? A probability from three things known about the pair.

A ranking answers "what first"; a yes/no question ("show this in their feed?", the seed's
§5 like/dislike prediction evaluated by AUC) also needs *how often this user likes
anything*. Users differ a lot in that: on the
TALLRec files a rule that looks only at the share of liked items in the history beats
published 7B-LLM scores (bench RESULTS.md, `likerate`). The recommender's ranking alone
ignores it (every user's list starts at the top), so yes/no answers made from it alone
mixed a picky user's best item with an easy user's worst.

So the log-odds of a like are a weighted sum of
- the user's like rate: the liked share of their explicit picks (a `liked` flag, or a
  rating at or above the like threshold), shrunk towards the population's like rate by
  `PRIOR_STRENGTH` pseudo-picks, so one pick does not make a certainty;
- the item's standing for this user: the share of the catalogue the blended recommender
  scores below it (every strategy, so text, profile, co-occurrence and similar users all
  count), as log-odds (hand-set weight `STANDING_WEIGHT`);
- the item's liked share in the log (its positive interactions over all of them, shrunk
  towards the log's share by `QUALITY_PRIOR` pseudo-interactions), as a log-odds gain: what
  the crowd thinks of the item once they have it, which the standing (mostly *whether*
  people pick it) does not say.
Implicit picks (no flag, no rating) say nothing about liking and do not enter the rate.
A log that says "liked" and never "not liked" (purchases recorded as likes) cannot tell
one user's rate from another's: every rate would read 100% and every answer about 1.0. There
the rate is held at even (`Recommender.likes_only`) and the answer says how likely the user
is to pick the item, from where it ranks for them.

The weights start hand-set (`default_weights`: the rate 1, the standing 0.5, the item's
liked share 0, as before it was a term). With a learned hand-over they are fitted on its
replayed users' later explicit picks (`fit_like_weights`, in `handover`), pulled towards the
defaults so that a small log changes them little, and kept only where they order held-out
replayed users' answers better. On the rating logs measured (docs/evaluation/README.md) the
fit shrank the standing's weight and gave the crowd's verdict a real one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dayone.data.interactions import default_like_threshold
from dayone.profiles import HistoryEntry
from dayone.recommender.config import LikeWeights

# pseudo-picks at the population's like rate added to a user's own (empirical-Bayes style)
PRIOR_STRENGTH = 2.0
# log-odds per log-odds of the item's standing. Both constants were chosen on MovieLens
# latest-small's few-shot split, not on the data the report measures them on
# (`scripts/likes_constants.py`, docs/evaluation/README.md): 0 maximises pooled AUC but
# leaves the item no say within a user; 0.25 and 0.5 were within 0.015 AUC of each other,
# and 0.5 gives the item more say
STANDING_WEIGHT = 0.5
# pseudo-interactions at the log's liked share added to an item's own, so that one rating
# does not make an item great or awful
QUALITY_PRIOR = 5.0
# fitting pulls the weights towards the defaults as if each default were worth this many
# rows' evidence (an L2 penalty on the distance), so a log of a few dozen picks barely moves them
FIT_PULL = 20.0
_EDGE = 1e-3  # standings and rates are kept inside (EDGE, 1 - EDGE), so log-odds stay finite


def like_threshold(configured: float | None, rating_range: tuple[float, float] | None,
                   history: Sequence[HistoryEntry]) -> float | None:
    """The rating from which a pick counts as liked: the configured one, else the top quarter
    of the log's scale, else of the picks' own ratings; None when nothing is rated."""
    if configured is not None:
        return configured
    if rating_range is not None:
        return default_like_threshold(np.asarray(rating_range, dtype=float))
    rated = [h.rating for h in history if h.rating is not None]
    return default_like_threshold(np.asarray(rated, dtype=float)) if rated else None


def explicit_likes(history: Sequence[HistoryEntry], threshold: float | None) -> tuple[int, int]:
    """(liked, explicit) counts over the picks that say whether they were liked."""
    liked = explicit = 0
    for h in history:
        if h.liked is not None:
            explicit += 1
            liked += int(h.liked)
        elif h.rating is not None and threshold is not None:
            explicit += 1
            liked += int(h.rating >= threshold)
    return liked, explicit


def shrunk_rate(liked: int, explicit: int, prior: float, strength: float = PRIOR_STRENGTH) -> float:
    """The like rate after adding `strength` pseudo-picks at the population's rate `prior`."""
    return (liked + strength * prior) / (explicit + strength)


def standings(totals: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """For the items at `cols` (default all), the share of the *other* scored items that score
    below it, ties counting half. Only the asked items are located: on 100k items, locating
    all of them cost more than scoring the catalogue."""
    n = totals.shape[0]
    values = totals if cols is None else totals[cols]
    if n <= 1:
        return np.full(values.shape[0], 0.5)
    order = np.sort(totals)
    below = np.searchsorted(order, values, side="left")
    ties = np.searchsorted(order, values, side="right") - below - 1
    return np.asarray((below + 0.5 * ties) / (n - 1))


def logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), _EDGE, 1.0 - _EDGE)
    return np.asarray(np.log(q / (1.0 - q)))


def quality_gain(pos: np.ndarray, seen: np.ndarray, share: float) -> np.ndarray:
    """Per item: log-odds of its positive share (`pos` of `seen`), shrunk towards the whole
    log's `share`, minus that of `share` (0 for an item nobody has had, and for every item of
    a log where everything is positive)."""
    if not 0.0 < share < 1.0:
        return np.zeros(pos.shape[0])
    shrunk = (pos + QUALITY_PRIOR * share) / (seen + QUALITY_PRIOR)
    return np.asarray(logit(shrunk) - logit(share))


def like_features(rate: float, standing: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Rows of (1, logit rate, logit standing, quality gain), in `LikeWeights`' field order."""
    n = standing.shape[0]
    return np.column_stack([np.ones(n), np.full(n, float(logit(rate))), logit(standing), quality])


def default_weights() -> LikeWeights:
    """The hand-set weights (read at call time, so `scripts/likes_constants.py` can vary them)."""
    return LikeWeights(standing=STANDING_WEIGHT)


def _as_vector(w: LikeWeights) -> np.ndarray:
    return np.array([w.bias, w.rate, w.standing, w.quality], dtype=np.float64)


def like_probability(features: np.ndarray, weights: LikeWeights | None = None) -> np.ndarray:
    """P(like) = sigmoid(bias + a·logit(rate) + b·logit(standing) + c·quality). With the
    defaults an item in the middle of the user's list, of average standing with the crowd,
    gets their like rate; the best and worst move it by `b`."""
    z = features @ _as_vector(weights or default_weights())
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))))


def _penalised_logistic(x: np.ndarray, y: np.ndarray, prior: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """argmin over w of the logistic loss of y on x @ w plus sum(penalty * (w - prior)^2) / 2:
    Newton's method with step halving, so it cannot overshoot (plain Newton did, on features
    as far apart as these log-odds)."""

    def loss(w: np.ndarray) -> float:
        z = x @ w
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(penalty * (w - prior) ** 2))

    w = prior.copy()
    current = loss(w)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30.0, 30.0)))
        grad = x.T @ (p - y) + penalty * (w - prior)
        hess = (x * (p * (1.0 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6:
            trial = w - t * step
            value = loss(trial)
            if value <= current:
                break
            t *= 0.5
        else:
            break
        w, gain, current = trial, current - value, value
        if gain < 1e-10 * max(1.0, abs(current)):
            break
    return w


def fit_like_weights(features: np.ndarray, labels: np.ndarray, pull: float = FIT_PULL) -> LikeWeights:
    """Penalised logistic regression of `labels` on rows of `like_features`, pulled towards
    the default weights by `pull` x the squared distance (the bias is left free: it only
    absorbs the log's calibration). Maximum likelihood makes the answer a calibrated
    probability, comparable across users, which pooled yes/no decisions need."""
    prior = _as_vector(default_weights())
    penalty = np.full(4, pull)
    penalty[0] = 1e-6
    w = np.clip(_penalised_logistic(features, labels.astype(np.float64), prior, penalty), -20.0, 20.0)
    return LikeWeights(bias=float(w[0]), rate=float(w[1]), standing=float(w[2]), quality=float(w[3]))


def log_loss(features: np.ndarray, labels: np.ndarray, weights: LikeWeights | None) -> float:
    """Mean negative log-likelihood of `labels` under `weights` (None: the defaults)."""
    z = features @ _as_vector(weights or default_weights())
    y = labels.astype(np.float64)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))

