from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dayone.encoders import CachedEncoder, HashingEncoder, get_encoder, l2_normalise, length_buckets
from dayone.index import ExactIndex, HnswIndex


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(32)
        self.calls = 0

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        self.calls += len(texts)
        return super().encode(texts)


def test_cache_encodes_each_text_once(tmp_path: Path) -> None:
    inner = CountingEncoder()
    enc = CachedEncoder(inner, tmp_path)
    texts = ["a b", "c d", "a b", "e"]
    first = enc.encode(texts)
    assert inner.calls == 3
    again = CachedEncoder(inner, tmp_path).encode(texts)  # a new process would see the same file
    assert inner.calls == 3
    np.testing.assert_allclose(first, again)
    np.testing.assert_allclose(first[0], first[2])


def test_cache_separates_models(tmp_path: Path) -> None:
    a = CachedEncoder(HashingEncoder(16), tmp_path)
    b = CachedEncoder(HashingEncoder(32), tmp_path)
    assert a.encode(["x"]).shape == (1, 16) and b.encode(["x"]).shape == (1, 32)


def test_helpers() -> None:
    v = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(v, [[0.6, 0.8], [0.0, 0.0]])
    buckets = length_buckets(["aaaa", "a", "aa", "aaa"], 2)
    assert buckets == [[1, 2], [3, 0]]


def test_unknown_encoder_name() -> None:
    with pytest.raises(ValueError, match="unknown encoder"):
        get_encoder("nope")


@pytest.mark.parametrize("kind", [ExactIndex, HnswIndex])
def test_index_contract(kind: type) -> None:
    rng = np.random.default_rng(0)
    vecs = l2_normalise(rng.normal(size=(300, 16)))
    ids = [f"i{i}" for i in range(300)]
    index = kind(16)
    index.add(ids, vecs)
    assert index.search(vecs[5], 1)[0][0][0] == "i5"
    assert "i5" not in [h for h, _ in index.search(vecs[5], 5, exclude=["i5"])[0]]
    assert [h for h, _ in index.search(vecs[5], 5, candidates=["i1", "i2"])[0]] in (["i1", "i2"], ["i2", "i1"])
    index.remove(["i5"])
    assert "i5" not in index and len(index) == 299
    index.add(["i9"], vecs[7:8])  # replace keeps one entry
    assert len(index) == 299
    assert index.search(vecs[7], 2)[0][0][1] == pytest.approx(1.0, abs=1e-5)
