"""The vector index contract: exact for small catalogues, approximate for large ones.

Callers speak external ids; rows, labels and deleted slots stay inside the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np

Hit = tuple[str, float]


class VectorIndex(Protocol):
    dim: int

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        """Insert or replace vectors by id (replacing keeps one entry per id)."""

    def remove(self, ids: Iterable[str]) -> None:
        """Forget ids; unknown ids are ignored."""

    def search(
        self,
        queries: np.ndarray,
        k: int,
        candidates: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
    ) -> list[list[Hit]]:
        """Top-k by inner product per query row, restricted to `candidates`, minus `exclude`."""

    def vector(self, item_id: str) -> np.ndarray | None:
        """The stored vector of one id, or None."""

    def __len__(self) -> int: ...

    def __contains__(self, item_id: object) -> bool: ...
