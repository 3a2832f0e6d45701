"""Description augmentation (seed §3 step 3): rewrite item and user descriptions so a few
labelled pairs become many training texts.

One idea: the label of a (user, item) pair does not depend on how the pair is *written*, so
rewrites that keep the meaning -- other templates, dropped or reordered optional fields, a
random subset of the history, another order of the history -- are free extra examples and
teach the fine-tuned scorer to read meaning rather than one template's surface.
The title is never dropped (it is what identifies the item), and a subsampled history keeps
at least two items and both its liked/disliked groups when it had them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .describe import field_phrases, item_text, user_text
from .population import liked_flag

#: ways to open an item description; the first is the canonical one
ITEM_PREFIXES: tuple[str, ...] = ("", "Item: ", "Candidate: ", "Next up: ")


def item_variant(fields: Mapping[str, Any] | None, rng: np.random.Generator) -> str:
    """A meaning-preserving rewrite of :func:`describe.item_text`."""
    if not fields:
        return ""
    phrases = field_phrases(fields)
    optional = [k for k in phrases if k != "title"]
    keep = [k for k in optional if rng.random() > 0.3]
    rng.shuffle(keep)
    order = ["title", *keep] if "title" in phrases else keep
    prefix = ITEM_PREFIXES[int(rng.integers(len(ITEM_PREFIXES)))]
    body = ". ".join(phrases[k] for k in order if k in phrases)
    return prefix + body


def user_variant(
    history: Sequence[Mapping[str, Any]], items: Mapping[str, Mapping[str, Any]],
    rng: np.random.Generator, keep_fraction: float = 0.7,
) -> str:
    """A rewrite of the user's description from a random subset and order of the history."""
    rated = [(str(e["item"]), bool(liked_flag(e))) for e in history if liked_flag(e) is not None]
    if len(rated) > 2:
        size = max(2, int(round(keep_fraction * len(rated))))
        idx = sorted(rng.choice(len(rated), size, replace=False).tolist())
        sub = [rated[i] for i in idx]
        for flag in (True, False):  # keep both groups when the full history had them
            if any(f == flag for _, f in rated) and not any(f == flag for _, f in sub):
                sub.append(next(r for r in rated if r[1] == flag))
        rated = sub
    order = rng.permutation(len(rated)).tolist()
    rated = [rated[i] for i in order]

    def title(i: str) -> str:
        f = items.get(i)
        return str(f.get("title", "")) if f and rng.random() < 0.6 else item_text(f)

    return user_text([title(i) for i, f in rated if f], [title(i) for i, f in rated if not f])


def canonical_pair(row: Mapping[str, Any], items: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """(user text, item text) in the canonical templates: used for scoring."""
    hist = [(str(e["item"]), liked_flag(e)) for e in (row.get("history") or [])]
    liked = [str((items.get(i) or {}).get("title", "")) for i, f in hist if f]
    disliked = [str((items.get(i) or {}).get("title", "")) for i, f in hist if f is False]
    return user_text(liked, disliked), item_text(items.get(str(row.get("target"))))


def augmented_pairs(
    rows: Sequence[Mapping[str, Any]], items: Mapping[str, Mapping[str, Any]],
    variants: int, seed: int,
) -> list[tuple[str, str, int]]:
    """The canonical pair of every labelled row plus ``variants`` rewrites of each."""
    rng = np.random.default_rng(seed)
    out: list[tuple[str, str, int]] = []
    for row in rows:
        label = int(row["label"])
        u, it = canonical_pair(row, items)
        out.append((u, it, label))
        for _ in range(variants):
            fields = items.get(str(row.get("target")))
            out.append((user_variant(row.get("history") or [], items, rng),
                        item_variant(fields, rng), label))
    return out
