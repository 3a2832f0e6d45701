"""A deterministic bag-of-words hashing encoder, for fast unit tests only.

It is never the default and never what is measured: it knows no semantics beyond shared
words. It exists so contract tests run in milliseconds without model weights.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from dayone.encoders.base import l2_normalise

_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEncoder:
    """Signed feature hashing of lower-cased word unigrams and bigrams."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hashing-{dim}"

    def _bucket(self, token: str) -> tuple[int, float]:
        h = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
        return h % self.dim, (1.0 if (h >> 63) & 1 else -1.0)

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _TOKEN.findall(text.lower())
            for tok in words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]:
                j, sign = self._bucket(tok)
                out[row, j] += sign
        return l2_normalise(out)
