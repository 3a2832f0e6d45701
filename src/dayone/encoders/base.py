"""The encoder contract every text encoder honours.

Everything downstream (index, profiles, rankers) only needs "texts in, unit vectors out", so
swapping the packaged MiniLM for a multilingual or a hosted model never touches them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors of a fixed width.

    `model_id` names the weights *and* the numerics (e.g. ``minilm-l6-v2/onnx-int8``): the
    embedding cache keys on it, so two encoders that can return different vectors for the same
    text must never share an id.
    """

    model_id: str
    dim: int

    def encode(
        self, texts: list[str], batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, each row of unit norm."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit-normalise rows; a zero row stays zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def length_buckets(texts: list[str], batch_size: int) -> list[list[int]]:
    """Group text indices into batches of similar length.

    Padding is the main waste in transformer batches: sorting by length before batching cuts
    the padded tokens a batch carries, and the order is restored by the caller.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
