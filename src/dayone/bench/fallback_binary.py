"""A simple binary scorer so every binary task yields valid output before the few-shot
scorer (`dayone.rankers.fewshot.build_binary_scorer`) exists.

score = the like rate of the request's own history (a between-user effect that already beats
published TALLRec numbers, see the bench RESULTS.md) + a content term: TF-IDF similarity of
the target to liked minus disliked history items. Needs no training data and no encoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from dayone.bench.encoding import item_text


def build_fallback_scorer(
    items: list[dict[str, Any]],
    train: list[dict[str, Any]],
    setting: str,
    seed: int,
    encoder: Any = None,
) -> Callable[[list[dict[str, Any]]], np.ndarray]:
    ids = [str(it["id"]) for it in items]
    index = {i: k for k, i in enumerate(ids)}
    tfidf = TfidfVectorizer(min_df=1, sublinear_tf=True).fit_transform(
        [item_text(it) for it in items]
    )

    def score(requests: list[dict[str, Any]]) -> np.ndarray:
        out = np.zeros(len(requests))
        for r, req in enumerate(requests):
            hist = req.get("history") or []
            liked = [
                index[h["item"]] for h in hist if h.get("liked") is True and h["item"] in index
            ]
            disliked = [
                index[h["item"]] for h in hist if h.get("liked") is False and h["item"] in index
            ]
            rate = (len(liked) + 1.0) / (len(liked) + len(disliked) + 2.0)
            content = 0.0
            target = index.get(str(req.get("target")))
            if target is not None:
                t = tfidf[target]
                if liked:
                    content += float((tfidf[liked] @ t.T).mean())
                if disliked:
                    content -= float((tfidf[disliked] @ t.T).mean())
            out[r] = rate + 0.5 * content
        return out

    return score
