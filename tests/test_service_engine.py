"""Engine pieces with exact expectations: the event → signal mapping, the readers-writer lock,
and encoding outside the write lock."""

from __future__ import annotations

import threading
import time

import numpy as np

from dayone.encoders import HashingEncoder
from dayone.service.engine import PrewarmEncoder, RWLock, event_to_history, event_to_interaction
from dayone.storage import EventRow


def test_event_kinds_map_to_one_signal_each() -> None:
    def sig(kind: str, value: float | None = None) -> dict:
        row = event_to_interaction(EventRow("u", "i", kind, 5.0, value))
        return {k: v for k, v in row.items() if k not in ("user", "item", "ts")}

    assert sig("like") == {"liked": True}
    assert sig("purchase", 30.0) == {"liked": True}
    assert sig("dislike") == {"liked": False}
    assert sig("rating", 4.5) == {"rating": 4.5}
    assert sig("click") == {"weight": 1.0}
    assert sig("click", 3.0) == {"weight": 3.0}
    assert sig("click", -2.0) == {"weight": 1.0}
    h = event_to_history("i", "dislike", None)
    assert (h.item, h.liked, h.rating, h.weight) == ("i", False, None, None)


def test_rwlock_readers_share_writers_exclude() -> None:
    lock = RWLock()
    inside: list[str] = []
    peak = {"readers": 0}
    active = {"readers": 0}
    guard = threading.Lock()

    def reader() -> None:
        with lock.read():
            with guard:
                active["readers"] += 1
                peak["readers"] = max(peak["readers"], active["readers"])
                assert "writer" not in inside
            time.sleep(0.05)
            with guard:
                active["readers"] -= 1

    def writer() -> None:
        with lock.write():
            inside.append("writer")
            assert active["readers"] == 0
            time.sleep(0.02)
            inside.remove("writer")

    threads = [threading.Thread(target=reader) for _ in range(4)]
    threads += [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak["readers"] >= 2  # readers overlapped


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(64)
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        return super().encode(texts)


def test_prewarmed_vectors_are_used_once_and_match() -> None:
    inner = CountingEncoder()
    enc = PrewarmEncoder(inner, capacity=2)
    enc.prewarm(["alpha beta"])
    assert inner.calls == [["alpha beta"]]
    out = enc.encode(["alpha beta", "gamma"])  # the parked one is not re-encoded
    assert inner.calls[-1] == ["gamma"]
    np.testing.assert_allclose(out, HashingEncoder(64).encode(["alpha beta", "gamma"]))
    enc.encode(["alpha beta"])  # taken once: a second call encodes again
    assert inner.calls[-1] == ["alpha beta"]
    enc.prewarm(["a", "b", "c"])  # bounded: the oldest parked vector is dropped
    assert len(enc._docs) == 2
    enc.prewarm_query(["q"])
    np.testing.assert_allclose(enc.encode_query(["q"]), HashingEncoder(64).encode(["q"]))


def test_writes_during_a_background_refit_are_kept_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Writes that land while the refit builds from its snapshot reach the new model exactly
    once: not lost at the swap, not counted twice."""
    from fastapi.testclient import TestClient

    from dayone.service.testing import tiny_app

    app = tiny_app(tmp_path)
    with TestClient(app) as c:
        engine = app.state.engine
        c.post("/api/v1/events", json={"user_id": "r", "item_id": "m1", "kind": "like"})
        original = engine._build_from_store

        def build_then_write():  # type: ignore[no-untyped-def]
            built = original()  # snapshot taken; now more writes arrive before the swap
            engine.add_events([EventRow("r", "m2", "like", 1.0), EventRow("q", "m3", "click", 2.0)])
            engine.upsert_items([{"id": "late", "title": "Late arrival"}])
            return built

        engine._build_from_store = build_then_write
        assert c.post("/api/v1/models/refit", json={"wait": True}).status_code == 200
        info = c.get("/api/v1/models/current").json()
        assert info["version"] == 1 and info["n_events"] == 3 and info["n_items"] == 13
        assert c.get("/api/v1/users/r").json()["n_events"] == 2
        assert [h.item for h in engine.rec.histories["r"]] == ["m1", "m2"]
        assert c.get("/api/v1/items/late/similar").status_code == 200


def test_periodic_refit_and_metrics_counters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With refit_interval_s set, new events trigger a background refit without any call;
    the events and refits counters show on /metrics."""
    from fastapi.testclient import TestClient

    from dayone.service.testing import tiny_app

    with TestClient(tiny_app(tmp_path, refit_interval_s=0.1)) as c:
        for user in ("a", "b"):
            c.post("/api/v1/events/batch", json={"events": [
                {"user_id": user, "item_id": "m1", "kind": "like"},
                {"user_id": user, "item_id": "m2", "kind": "rating", "value": 4}]})
        deadline = time.monotonic() + 30
        while c.get("/api/v1/models/current").json()["version"] < 1:
            assert time.monotonic() < deadline, "no periodic refit happened"
            time.sleep(0.05)
        text = c.get("/metrics").text
        assert 'dayone_events_total{kind="like"} 2.0' in text
        assert 'dayone_events_total{kind="rating"} 2.0' in text
        assert "dayone_refits_total 1.0" in text or "dayone_refits_total 2.0" in text


def test_an_added_item_is_encoded_before_the_write_lock_values_included(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The model encodes nothing while it holds the write lock: the description and any
    field value no item had yet (a new tag) are encoded first, readers still running."""
    from fastapi.testclient import TestClient

    from dayone.service.testing import tiny_app

    app = tiny_app(tmp_path)
    with TestClient(app) as c:
        engine = app.state.engine
        inner = engine.encoder.inner
        under_lock: list[str] = []
        seen: list[str] = []
        original = inner.encode

        def watched(texts, batch_size=64, show_progress=False):  # type: ignore[no-untyped-def]
            seen.extend(texts)
            if engine.lock._writer:
                under_lock.extend(texts)
            return original(texts, batch_size=batch_size, show_progress=show_progress)

        inner.encode = watched
        r = c.post("/api/v1/items", json={"id": "fresh", "fields": {
            "title": "Fresh", "genres": ["Brand-new genre"], "tags": ["never tagged before"]}})
        assert r.status_code == 201, r.text
        assert "Brand-new genre" in seen and "never tagged before" in seen
        assert under_lock == []
        assert "never tagged before" in engine.rec.field_values
