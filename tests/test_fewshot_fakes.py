"""Shared fakes for the few-shot tests: a tiny deterministic keyword encoder and data makers."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

KEYWORDS = ("space", "romance", "horror", "comedy", "war", "western")


class KeywordEncoder:
    """Unit vectors: one axis per keyword present, plus a small text-hash component."""

    model_id = "test/keyword"
    dim = len(KEYWORDS) + 4

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            low = t.lower()
            for j, k in enumerate(KEYWORDS):
                if k in low:
                    out[i, j] = 1.0
            h = hashlib.sha1(t.encode()).digest()
            out[i, len(KEYWORDS):] = (np.frombuffer(h[:4], dtype=np.uint8) / 255.0 - 0.5) * 0.2
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out


def make_items(n_per_genre: int = 12) -> list[dict[str, Any]]:
    """Items named after a keyword genre, years spread 1970-2015."""
    items = []
    for g in KEYWORDS:
        for j in range(n_per_genre):
            items.append({"id": f"{g}-{j}", "title": f"The {g} story {j}", "genres": [g],
                          "year": 1970 + (j * 4) % 46})
    return items


def request(rid: str, user: str, history: list[tuple[str, bool]], target: str) -> dict[str, Any]:
    return {"id": rid, "user": {"id": user},
            "history": [{"item": i, "liked": f} for i, f in history], "target": target,
            "candidates": [target], "n": 1}
