"""Will this user like this item? A probability from two things known about the pair.

A ranking answers "what first"; a yes/no question ("show this in their feed?", the seed's
§5 like/dislike prediction evaluated by AUC) also needs *how often this user likes
anything*. Users differ a lot in that: on the
TALLRec files a rule that looks only at the share of liked items in the history beats
published 7B-LLM scores (bench RESULTS.md, `likerate`). The recommender's ranking alone
ignores it (every user's list starts at the top), so yes/no answers made from it alone
mixed a picky user's best item with an easy user's worst.

So the log-odds of a like are the sum of
- the user's like rate: the liked share of their explicit picks (a `liked` flag, or a
  rating at or above the like threshold), shrunk towards the population's like rate by
  `PRIOR_STRENGTH` pseudo-picks, so one pick does not make a certainty;
- the item's standing for this user: the share of the catalogue the blended recommender
  scores below it (every strategy, so text, profile, co-occurrence and similar users all
  count), times `STANDING_WEIGHT`.
Implicit picks (no flag, no rating) say nothing about liking and do not enter the rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dayone.data.interactions import default_like_threshold
from dayone.profiles import HistoryEntry

# pseudo-picks at the population's like rate added to a user's own (empirical-Bayes style)
PRIOR_STRENGTH = 2.0
# log-odds per log-odds of the item's standing. Both constants were chosen on MovieLens
# latest-small's few-shot split, not on the data the report measures them on
# (`scripts/likes_constants.py`, docs/evaluation/README.md): 0 maximises pooled AUC but
# leaves the item no say within a user; 0.25 and 0.5 were within 0.015 AUC of each other,
# and 0.5 gives the item more say
STANDING_WEIGHT = 0.5
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


def like_probability(rate: float, standing: np.ndarray, weight: float = STANDING_WEIGHT) -> np.ndarray:
    """P(like) = sigmoid(logit(rate) + weight * logit(standing)): an item in the middle of
    the user's list gets their like rate; the best and worst move it by `weight`."""
    z = logit(rate) + weight * logit(standing)
    return np.asarray(1.0 / (1.0 + np.exp(-z)))
