"""An on-disk embedding cache keyed by model id + text hash.

Re-running on an unchanged catalogue must encode nothing: encoding is the slowest step on a
laptop CPU. SQLite gives atomic, crash-safe writes and safe sharing between processes (WAL)
without a server.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np

from dayone.encoders.base import Encoder


def default_cache_dir() -> Path:
    return Path(os.environ.get("DAYONE_CACHE_DIR", Path.home() / ".cache" / "dayone"))


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class EmbeddingCache:
    """(model_id, text hash) → float32 vector, persisted in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS emb (model TEXT NOT NULL, h BLOB NOT NULL, v BLOB NOT NULL,"
            " PRIMARY KEY (model, h)) WITHOUT ROWID"
        )
        self._conn.commit()

    def get_many(self, model_id: str, keys: list[bytes], dim: int) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT h, v FROM emb WHERE model = ? AND h IN ({marks})", [model_id, *chunk]
                ).fetchall()
                for h, v in rows:
                    vec = np.frombuffer(v, dtype=np.float32)
                    if vec.shape[0] == dim:
                        found[bytes(h)] = vec
        return found

    def put_many(self, model_id: str, keys: list[bytes], vectors: np.ndarray) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT OR REPLACE INTO emb (model, h, v) VALUES (?, ?, ?)",
                [(model_id, k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors, strict=True)],
            )
            self._conn.commit()

    def count(self, model_id: str) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM emb WHERE model = ?", (model_id,)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class CachedEncoder:
    """Wraps any Encoder: cache hits skip the model, misses are encoded and stored in chunks.

    Misses are stored chunk by chunk, so an interrupted catalogue encode resumes where it
    stopped. `misses` counts texts actually sent to the model (tests and the demo read it).
    """

    def __init__(self, inner: Encoder, cache_dir: str | Path | None = None, chunk: int = 2048) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.cache = EmbeddingCache(Path(cache_dir or default_cache_dir()) / "embeddings.sqlite")
        self.chunk = chunk
        self.misses = 0

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [text_key(t) for t in texts]
        found = self.cache.get_many(self.model_id, list(dict.fromkeys(keys)), self.dim)
        todo: dict[bytes, str] = {}
        for i, k in enumerate(keys):
            if k in found:
                out[i] = found[k]
            else:
                todo.setdefault(k, texts[i])
        if todo:
            todo_keys = list(todo)
            bar = None
            if show_progress:
                from tqdm import tqdm

                bar = tqdm(total=len(todo_keys), desc=f"encoding with {self.model_id}", unit="text")
            for start in range(0, len(todo_keys), self.chunk):
                ks = todo_keys[start : start + self.chunk]
                vecs = self.inner.encode([todo[k] for k in ks], batch_size=batch_size, show_progress=False)
                self.cache.put_many(self.model_id, ks, vecs)
                found.update(zip(ks, vecs, strict=True))
                self.misses += len(ks)
                if bar is not None:
                    bar.update(len(ks))
            if bar is not None:
                bar.close()
            for i, k in enumerate(keys):
                if k in todo:
                    out[i] = found[k]
        return out

    def encode_query(self, texts: list[str]) -> np.ndarray:
        """Queries go through the inner encoder's query path when it has one (e5), uncached."""
        query = getattr(self.inner, "encode_query", None)
        if query is not None:
            return np.asarray(query(texts), dtype=np.float32)
        return self.encode(texts)
