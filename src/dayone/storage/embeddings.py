"""Item embeddings kept in the store of record, as a cache in front of the encoder.

Why in the store: a restart, a background refit and every other API process sharing a
PostgreSQL store need the same item vectors. Encoding is the slowest step, so the first
process that encodes a description writes the vector; everyone else reads it. Keys are
(model id, hash of the exact text), so a changed description or a different model never
reuses a stale vector. Queries are not stored: they are ephemeral and would only grow the
table.
"""

from __future__ import annotations

import numpy as np

from dayone.encoders import Encoder
from dayone.storage.base import Store, text_key


class StoreEmbeddingCache:
    """An `Encoder` that reads/writes document vectors through `store`."""

    def __init__(self, inner: Encoder, store: Store) -> None:
        self.inner = inner
        self.store = store
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0

    def encode(self, texts: list[str], batch_size: int = 64,
               show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [text_key(t) for t in texts]
        found = self.store.get_embeddings(self.model_id, list(dict.fromkeys(keys)))
        todo: dict[str, str] = {}
        for i, k in enumerate(keys):
            v = found.get(k)
            if v is not None and v.shape[0] == self.dim:
                out[i] = v
            else:
                todo.setdefault(k, texts[i])
        self.hits += len(set(keys)) - len(todo)  # distinct texts served from the store
        if todo:
            todo_keys = list(todo)
            vecs = np.asarray(self.inner.encode([todo[k] for k in todo_keys],
                                                batch_size=batch_size,
                                                show_progress=show_progress), dtype=np.float32)
            self.store.put_embeddings(self.model_id, todo_keys, vecs)
            self.misses += len(todo_keys)
            fresh = dict(zip(todo_keys, vecs, strict=True))
            for i, k in enumerate(keys):
                if k in fresh:
                    out[i] = fresh[k]
        return out

    def encode_query(self, texts: list[str]) -> np.ndarray:
        q = getattr(self.inner, "encode_query", None)
        return np.asarray(q(texts) if q is not None else self.inner.encode(texts),
                          dtype=np.float32)
