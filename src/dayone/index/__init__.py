"""Vector indexes: exact matrix product and HNSW, one interface."""

from dayone.index.base import Hit, VectorIndex
from dayone.index.exact import ExactIndex, top_k
from dayone.index.hnsw import HnswIndex

__all__ = ["ExactIndex", "Hit", "HnswIndex", "VectorIndex", "top_k"]
