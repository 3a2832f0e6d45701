"""Item and user descriptions: the text the encoder and the fine-tuned scorer read.

One idea: turn catalogue fields and a rated history into short natural-language
"task descriptions" (seed §3 step 1). The same templates are reused, with variation, by
:mod:`augment` so the few labelled pairs can be multiplied (seed §3 step 3).
Fields are rendered only when present, so a catalogue with only a title still works and an
unknown item id becomes an empty description rather than an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: fields rendered in this order when present (others are ignored: we do not know their meaning)
_ORDER = ("title", "author", "year", "genres", "tags", "category", "brand", "text")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace("|", ",").split(",") if v.strip()]
    if isinstance(value, Sequence):
        return [str(v) for v in value if str(v).strip()]
    return [str(value)]


def field_phrases(fields: Mapping[str, Any]) -> dict[str, str]:
    """Render each known, present field as a short phrase (field name -> phrase)."""
    out: dict[str, str] = {}
    title = fields.get("title")
    if title:
        out["title"] = str(title)
    author = fields.get("author")
    if author:
        out["author"] = f"written by {author}"
    year = fields.get("year")
    if year and str(title or "").find(str(year)) < 0:
        out["year"] = f"released in {year}"
    for key in ("genres", "tags", "category"):
        values = _as_list(fields.get(key))
        if values:
            out[key] = f"{key}: {', '.join(values)}"
    brand = fields.get("brand")
    if brand:
        out["brand"] = f"by {brand}"
    text = fields.get("text")
    if text:
        out["text"] = str(text)[:300]
    return out


def item_text(fields: Mapping[str, Any] | None, order: Sequence[str] = _ORDER) -> str:
    """Canonical one-line item description, e.g. ``Toy Story (1995). genres: Animation, Comedy``."""
    if not fields:
        return ""
    phrases = field_phrases(fields)
    parts = [phrases[k] for k in order if k in phrases]
    if "title" in phrases and "author" in phrases and order[:2] == ("title", "author"):
        parts = [f"{phrases['title']} {phrases['author']}"] + [
            phrases[k] for k in order[2:] if k in phrases
        ]
    return ". ".join(parts)


def user_text(liked_titles: Sequence[str], disliked_titles: Sequence[str]) -> str:
    """A user described by what they liked and did not like (TALLRec-style prompt, compact)."""
    liked = "; ".join(t for t in liked_titles if t) or "nothing yet"
    disliked = "; ".join(t for t in disliked_titles if t) or "nothing yet"
    return f"Liked: {liked}. Did not like: {disliked}."
