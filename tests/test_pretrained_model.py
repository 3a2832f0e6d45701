"""The packaged pretrained model loads with no network and understands an obvious match."""

from __future__ import annotations

import pytest

from dayone.encoders import get_encoder


@pytest.fixture(scope="module", autouse=True)
def offline(monkeypatch_module: pytest.MonkeyPatch) -> None:
    monkeypatch_module.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch_module.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def monkeypatch_module():  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


ITEMS = [
    "Galaxy Quest. A crew of starship explorers travel through deep space.",
    "Notting Hill. A bookshop owner falls in love with a film star in London.",
    "The Great British Bake Off. Amateur bakers compete in a tent.",
    "Jaws. A great white shark terrorises a beach town.",
    "Planet Earth. A nature documentary about wildlife.",
]


@pytest.mark.parametrize("name", ["default", "minilm-torch"])
def test_default_model_ranks_obvious_match_first(name: str) -> None:
    enc = get_encoder(name, cached=False)
    assert enc.dim == 384 and "MiniLM" in enc.model_id
    items = enc.encode(ITEMS)
    for query, want in [("a space adventure with starships", 0), ("a romantic comedy", 1), ("shark attack", 3)]:
        q = enc.encode([query])[0]
        assert int((items @ q).argmax()) == want, query
