"""Encoders: text → unit vectors, with an on-disk cache and a registry of real models."""

from dayone.encoders.base import Encoder, l2_normalise, length_buckets
from dayone.encoders.cache import CachedEncoder, EmbeddingCache, default_cache_dir
from dayone.encoders.hashing import HashingEncoder
from dayone.encoders.registry import ENCODERS, get_encoder

__all__ = [
    "ENCODERS",
    "CachedEncoder",
    "EmbeddingCache",
    "Encoder",
    "HashingEncoder",
    "default_cache_dir",
    "get_encoder",
    "l2_normalise",
    "length_buckets",
]
