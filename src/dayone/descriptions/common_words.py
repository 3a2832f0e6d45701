"""Words that name the kind of item, or that nearly every description holds, and avoided
phrases without them.

A visitor who writes "no math-heavy courses" refuses maths, not courses, yet the encoder
reads the phrase as largely "courses", so every item described as a course was pushed down
with the maths ones (a reviewer's best match, "Python for Excel Users", fell from 1st to
29th). Such words say nothing about which items to avoid, so they are dropped from an
avoided phrase when other words remain:
- nouns for the kind of item (course, film, song, product, ...; `KIND_NOUNS`), whatever
  the catalogue;
- words in at least `COMMON_SHARE` of a sample of the catalogue's descriptions (the field
  names a template writes, "Genres", "Level"). Half, not less: a genre a third of the films
  carry ("comedy") must stay in "no romantic comedies".
Words are compared by a crude stem (a final "s" off), so "courses" meets "course".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

COMMON_SHARE = 0.5
KIND_NOUNS = frozenset({
    "course", "class", "classe", "lesson", "lecture", "tutorial", "film", "movie", "show",
    "serie", "episode", "video", "clip", "song", "track", "tune", "album", "record",
    "podcast", "book", "novel", "article", "story", "storie", "news", "post", "product",
    "item", "thing", "stuff", "one", "title", "recommendation", "suggestion", "kind",
})
_WORD = re.compile(r"[^\W\d_]{3,}")


def stem(word: str) -> str:
    w = word.lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def common_words(texts: Iterable[str], share: float = COMMON_SHARE) -> frozenset[str]:
    """`KIND_NOUNS` and the stems found in at least `share` of the texts."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update({stem(w) for w in _WORD.findall(text)})
    if n < 10:  # too few descriptions to call any word common
        return KIND_NOUNS
    return KIND_NOUNS | frozenset(w for w, c in df.items() if c >= share * n)


def without_common_words(phrase: str, common: frozenset[str]) -> str:
    """The phrase less its common words, or the phrase itself when nothing else is left."""
    kept = _WORD.sub(lambda m: "" if stem(m.group(0)) in common else m.group(0), phrase)
    kept = re.sub(r"\s+", " ", kept).strip(" -,;:")
    return kept if _WORD.search(kept) else phrase
