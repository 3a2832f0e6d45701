"""One request's scores, kept whole so that the list, the explanations and the yes/no answers
read the same numbers: every strategy's part for every scored row, and the weights that blend
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dayone.profiles import UserContext
from dayone.recommender.neighbours import NeighbourVote

# the name each strategy (a part of `Scored.parts`) goes by in a recommendation's `source`
STRATEGY_LABELS = {
    "text": "text-match",
    "attributes_text": "profile-text-match",
    "history": "history-similarity",
    "cooccurrence": "co-occurrence",
    "neighbours": "similar-users",
    "popularity": "popularity",
    "demographic": "demographic-popularity",
    "quality": "well-rated",
    "avoid": "avoid-match",
    "beginnings": "similar-beginnings",
    "taste": "taste-match",
    "title": "title-match",
}


@dataclass
class Scored:
    rows: np.ndarray
    total: np.ndarray
    parts: dict[str, np.ndarray]
    weights: dict[str, float]
    history_rows: np.ndarray
    history_prefs: np.ndarray
    matched_groups: list[str]
    context: UserContext
    raw_text: np.ndarray | None = None
    neighbour_vote: NeighbourVote | None = None
    # the encoded wanted part of a sentence when field values took part in its match, for explanations
    text_vector: np.ndarray | None = None
    named: dict[int, float] = field(default_factory=dict)  # rows the typed words name by title


# an explanation names other items by title; a product title can run to 150 characters
TITLE_CHARS = 60


def short_title(title: str) -> str:
    """A title as an explanation quotes it: cut at a word boundary past TITLE_CHARS."""
    if len(title) <= TITLE_CHARS:
        return title
    cut = title[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:-|(")
    return (cut or title[:TITLE_CHARS]) + "…"
