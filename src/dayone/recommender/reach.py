"""Who a (brand-new) item reaches: the operator's question, `Recommender.users_for_item`.

The transposed request: not items for a user but users for an item, each with the reason
they were chosen (a like of theirs that points the item's way, or their profile's closeness
to its description), so an operator can see where a new item will land before anyone has
touched it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from dayone.profiles import sign_history
from dayone.recommender.errors import UnknownItemError
from dayone.recommender.phrases import say
from dayone.recommender.results import UserMatch
from dayone.recommender.scored import STRATEGY_LABELS, short_title

if TYPE_CHECKING:
    from dayone.recommender.recommender import Recommender

# a taste match names, of the user's likes closest to the item in taste factors, this many
# candidates, and picks the one closest in description (`taste_match`)
TASTE_NAMED = 5


def users_for_item(rec: Recommender, item: str | Mapping[str, Any], n: int = 10) -> list[UserMatch]:
    """The known users a (possibly brand-new) item suits best, leaving out those who
    already have it.

    Two views of each user, each as a z-score over the users: how close their stored
    profile (their history's and profile text's description vector) is to the item's
    description, and, for users in the log, their taste factors against the item's
    (`taste.py`; a new item's read from its description). A user's match is the sum (a
    user the log does not know has average taste, 0). On MovieLens new items the
    profile alone told the users who like an item from those who rate it and do not,
    and taste found who takes it up at all; the sum reaches two to four times as many
    of an item's likers in its first 20 users, giving up part of the first order
    (`scripts/reach_eval.py`, docs/evaluation/README.md). Without taste factors (a small
    or empty log, or `taste: false`) users are matched by profile alone."""
    row: int | None = None
    if isinstance(item, str):
        vec = rec.index.vector(item)
        if vec is None:
            raise UnknownItemError([item], "users_for_item")
        row = int(rec.index.rows([item])[0])
        item_id: str | None = item
    else:
        vec = rec.encoder.encode([rec.describe_item({k: v for k, v in item.items() if k != "id"})])[0]
        item_id = None
    sims = rec.user_index.scores(vec)
    alive = np.isfinite(sims)
    if not alive.any():
        return []
    mean, sd = float(sims[alive].mean()), float(sims[alive].std())
    match = np.where(alive, (sims - mean) / sd if sd > 0 else 0.0, -np.inf)
    by_taste = np.zeros(sims.shape[0])
    taste = rec.population.taste
    factor = None
    if taste is not None and taste.user_ids:
        factor = taste.item_factor(row, vec)
        t = taste.user_factors @ factor
        t_sd = float(t.std())
        if t_sd > 0:
            at = rec.user_index.rows_or_missing(taste.user_ids)
            inside = at >= 0
            by_taste[at[inside]] = ((t - t.mean()) / t_sd)[inside]
            match = match + by_taste
    out: list[UserMatch] = []
    for j in np.argsort(-match, kind="stable"):
        if len(out) == n or not np.isfinite(match[j]):
            break
        user = rec.user_index.id_at(int(j))
        if item_id is not None and any(h.item == item_id for h in rec.histories.get(user, [])):
            continue
        if factor is None and sims[j] <= 0:
            break  # by profile alone, a profile pointing away from the item is no reach
        # with taste the score is the sum of the two z-scores; without, the similarity
        score = float(match[j]) if factor is not None else float(sims[j])
        if factor is not None and by_taste[j] > match[j] - by_taste[j]:
            out.append(taste_match(rec, user, factor, score, vec))
        else:
            out.append(profile_match(rec, user, vec, score, float(sims[j])))
    return out

def taste_match(rec: Recommender, user: str, factor: np.ndarray, score: float, vec: np.ndarray) -> UserMatch:
    """Names one of the user's likes whose factors point the item's way (the taste claim),
    the one whose description is closest to the item's among the TASTE_NAMED closest in
    factors: the single closest in factors is often the same widely liked film for
    every user, which explains nothing about this item."""
    taste = rec.population.taste
    assert taste is not None
    liked = liked_by(rec, user)
    lg = rec.describer.template.language
    because = say(lg, "reach_lean")
    if liked:
        rows = rec.index.rows(liked)
        mine = taste.factors[rows]
        norms = np.linalg.norm(mine, axis=1) * max(float(np.linalg.norm(factor)), 1e-12)
        agree = (mine @ factor) / np.maximum(norms, 1e-12)
        near = np.argsort(-agree, kind="stable")[:TASTE_NAMED]
        near = near[agree[near] > 0] if (agree[near] > 0).any() else near[:1]
        closest = liked[int(near[int(np.argmax(rec.index._mat[rows[near]] @ vec))])]
        because = say(lg, "reach_lean_named", verb=rec.describer.template.liked_verb,
                      title=say(lg, "title_mark", title=short_title(rec.catalog.title(closest))))
    return UserMatch(user=user, score=score, source=STRATEGY_LABELS["taste"], explanation=because)

def liked_by(rec: Recommender, user: str) -> list[str]:
    """The catalogue items a stored user liked, on their own rating scale."""
    history = [h for h in rec.histories.get(user, []) if h.item in rec.index]
    signed = sign_history(history, rec.scale)
    return [i for i, p in zip(signed.items, signed.prefs, strict=True) if p > 0]

def profile_match(rec: Recommender, user: str, vec: np.ndarray, score: float, similarity: float) -> UserMatch:
    liked = liked_by(rec, user)
    lg = rec.describer.template.language
    if liked:
        sims = rec.index._mat[rec.index.rows(liked)] @ vec
        title = say(lg, "title_mark", title=short_title(rec.catalog.title(liked[int(np.argmax(sims))])))
        because = say(lg, "reach_close", title=title, verb=rec.describer.template.liked_verb)
    else:
        profile = rec.users.get(user)
        because = (say(lg, "reach_profile_text", text=profile.text) if profile and profile.text
                   else say(lg, "reach_profile"))
    return UserMatch(user=user, score=score, source="profile-match",
                     explanation=say(lg, "reach_similarity", because=because, sim=similarity))
