"""Pick an encoder by name; the default is the real packaged MiniLM on its fast path."""

from __future__ import annotations

from pathlib import Path

from dayone.encoders.base import Encoder
from dayone.encoders.cache import CachedEncoder

ENCODERS = ("default", "minilm", "minilm-onnx", "minilm-torch", "multilingual", "hashing")


def _fast_minilm(cache_dir: str | Path | None) -> Encoder:
    try:
        from dayone.encoders.onnx_minilm import OnnxMiniLMEncoder
    except ImportError:
        from dayone.encoders.sentence_transformer import SentenceTransformerEncoder

        return SentenceTransformerEncoder()
    return OnnxMiniLMEncoder(cache_dir=cache_dir)


def get_encoder(name: str = "default", cache_dir: str | Path | None = None, cached: bool = True) -> Encoder:
    """Return an encoder, wrapped in the on-disk embedding cache unless `cached=False`.

    - ``default`` / ``minilm`` / ``minilm-onnx``: all-MiniLM-L6-v2 through ONNX Runtime int8
      (falls back to torch when the fast path is unavailable)
    - ``minilm-torch``: the same weights through sentence-transformers (reference numerics)
    - ``multilingual``: multilingual-e5-small (Chinese + English)
    - ``hashing``: bag-of-words hashing, for unit tests only
    - a path to a local sentence-transformers model directory
    """
    inner: Encoder
    if name in ("default", "minilm", "minilm-onnx"):
        inner = _fast_minilm(cache_dir)
    elif name == "minilm-torch":
        from dayone.encoders.sentence_transformer import SentenceTransformerEncoder

        inner = SentenceTransformerEncoder()
    elif name == "multilingual":
        from dayone.encoders.e5 import E5Encoder

        inner = E5Encoder()
    elif name == "hashing":
        from dayone.encoders.hashing import HashingEncoder

        return HashingEncoder()
    elif Path(name).is_dir():
        from dayone.encoders.sentence_transformer import SentenceTransformerEncoder

        inner = SentenceTransformerEncoder(name)
    else:
        raise ValueError(f"unknown encoder {name!r}; choose one of {ENCODERS} or a model directory")
    return CachedEncoder(inner, cache_dir) if cached else inner
