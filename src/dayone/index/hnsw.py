"""Approximate nearest neighbours (hnswlib) behind the same interface as ExactIndex.

For catalogues past ~10^5 items a full matrix product per request costs too much; HNSW
answers in well under a millisecond. Exclusions and candidate lists are applied through
hnswlib's filter callback, and k is widened so filtering cannot starve the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from dayone.index.base import Hit


class HnswIndex:
    def __init__(self, dim: int, max_elements: int = 1024, ef: int = 128, m: int = 16) -> None:
        try:
            import hnswlib
        except ImportError as exc:
            raise RuntimeError("the ANN index needs: pip install 'dayone[ann]'") from exc
        self.dim = dim
        self._index: Any = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(max_elements=max_elements, ef_construction=200, M=m, allow_replace_deleted=True)
        self._index.set_ef(ef)
        self._ef = ef
        self._label: dict[str, int] = {}
        self._id: dict[int, str] = {}
        self._next = 0
        self._vectors: dict[str, np.ndarray] = {}

    def add(self, ids: list[str], vectors: np.ndarray, labels: Sequence[int] | None = None) -> None:
        """Add or replace items. `labels` lets a caller give new items its own integer keys
        (the recommender passes its matrix rows, so `search_labels` answers in rows without a
        per-hit id lookup); labels must never be reused for another id."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        if labels is not None and len(labels) != len(ids):
            raise ValueError("labels and ids differ in length")
        need = len(self._label) + len(ids)
        if need > self._index.get_max_elements():
            self._index.resize_index(max(need, 2 * self._index.get_max_elements()))
        keys: list[int] = []
        for n, item_id in enumerate(ids):
            if item_id in self._label:  # same label: hnswlib updates the vector in place
                keys.append(self._label[item_id])
            else:
                key = self._next if labels is None else int(labels[n])
                self._label[item_id] = key
                self._id[key] = item_id
                keys.append(key)
                self._next = max(self._next, key) + 1
        self._index.add_items(vectors, np.asarray(keys), replace_deleted=False)
        for item_id, vec in zip(ids, vectors, strict=True):
            self._vectors[item_id] = vec

    def remove(self, ids: Iterable[str]) -> None:
        for item_id in ids:
            label = self._label.pop(item_id, None)
            if label is not None:
                self._index.mark_deleted(label)
                self._id.pop(label, None)
                self._vectors.pop(item_id, None)

    def search(
        self,
        queries: np.ndarray,
        k: int,
        candidates: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
    ) -> list[list[Hit]]:
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if not self._label:
            return [[] for _ in range(q.shape[0])]
        allowed = None if candidates is None else {self._label[c] for c in candidates if c in self._label}
        banned = set() if exclude is None else {self._label[e] for e in exclude if e in self._label}

        def keep(label: int) -> bool:
            return label not in banned and (allowed is None or label in allowed)

        kk = min(k, len(self._label) - len(banned) if allowed is None else len(allowed))
        if kk <= 0:
            return [[] for _ in range(q.shape[0])]
        self._index.set_ef(max(self._ef, kk))
        # a Python filter runs once per visited node: pass none when nothing is filtered
        labels, dists = self._index.knn_query(q, k=kk, filter=keep if (banned or allowed is not None) else None)
        return [
            [(self._id[int(lab)], float(1.0 - d)) for lab, d in zip(lrow, drow, strict=True)]
            for lrow, drow in zip(labels, dists, strict=True)
        ]

    def search_labels(self, query: np.ndarray, k: int) -> np.ndarray:
        """Labels of the k nearest items to one query, unfiltered: the hot path of candidate
        generation, which needs neither ids nor distances."""
        kk = min(k, len(self._label))
        if kk <= 0:
            return np.zeros(0, dtype=np.int64)
        self._index.set_ef(max(self._ef, kk))
        labels, _ = self._index.knn_query(np.asarray(query, dtype=np.float32).reshape(1, -1), k=kk)
        return labels[0].astype(np.int64)

    def vector(self, item_id: str) -> np.ndarray | None:
        v = self._vectors.get(item_id)
        return None if v is None else v.copy()

    def __len__(self) -> int:
        return len(self._label)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._label
