"""Known answers for the prefix network (what people went on to like after starting like this)."""

from __future__ import annotations

import numpy as np
import pytest

from dayone.rankers.base import InteractionMatrix
from dayone.rankers.prefix_net import ProfileEncoding
from evidence import user_evidence as _ev

torch = pytest.importorskip("torch", reason="the prefix network needs the [torch] extra")

from dayone.rankers.prefix_net import PrefixNet  # noqa: E402


def _world(n_per_group: int = 40) -> tuple[InteractionMatrix, dict]:
    """Group A starts with i0 and then likes i2..i4; group B starts with i1 and then likes
    i5..i7. Every user also likes i8 later (popular with all). Group A are all "student"."""
    rows: list[tuple[str, str, float | None, float | None]] = []
    users = {}
    rng = np.random.default_rng(0)
    for g, (first, later) in enumerate(((0, (2, 3, 4)), (1, (5, 6, 7)))):
        for k in range(n_per_group):
            u = f"g{g}u{k}"
            users[u] = {"occupation": "student" if g == 0 else "engineer", "age": 20 + 30 * g}
            rows.append((u, f"i{first}", 5.0, 0.0))
            for t, item in enumerate(rng.permutation(later)[:2]):
                rows.append((u, f"i{item}", 5.0, 10.0 + t))
            rows.append((u, "i8", 4.0, 20.0))
    return InteractionMatrix.build([f"i{k}" for k in range(9)], rows), users


def test_the_first_item_predicts_what_comes_next() -> None:
    m, users = _world()
    net = PrefixNet.fit(m, users, history_lengths=[1], seed=0, nets=2, epochs=40)
    a = net.score(_ev([0], [5.0]))
    b = net.score(_ev([1], [5.0]))
    assert min(a[[2, 3, 4]]) > max(a[[5, 6, 7]])
    assert min(b[[5, 6, 7]]) > max(b[[2, 3, 4]])


def test_with_no_history_the_profile_decides() -> None:
    m, users = _world()
    net = PrefixNet.fit(m, users, history_lengths=[0], seed=0, nets=2, epochs=40)
    student = net.score(_ev([], [], {"occupation": "student", "age": 20}))
    engineer = net.score(_ev([], [], {"occupation": "engineer", "age": 50}))
    assert student[[2, 3, 4]].mean() > student[[5, 6, 7]].mean()
    assert engineer[[5, 6, 7]].mean() > engineer[[2, 3, 4]].mean()


def test_the_budget_trains_fewer_networks_on_fewer_users() -> None:
    m, users = _world()
    net = PrefixNet.fit(m, users, history_lengths=[1], seed=0, nets=5, epochs=2, budget=1.0)
    assert net.info["nets"] == 1
    assert net.info["users_per_epoch"] < m.n_users


def test_profile_encoding_is_generic() -> None:
    profiles = [{"age": a, "zip": f"{a % 10}1234", "job": "x" if a < 30 else "y"} for a in range(18, 60)]
    enc = ProfileEncoding.fit(profiles)
    assert set(enc.numeric) == {"age"} and enc.prefix == {"zip"}
    x = enc.encode({"age": 19, "zip": "91234", "job": "y"})
    assert x.shape == (enc.width,) and x.sum() == 4  # age quintile, zip value, zip digit, job
    unknown = enc.encode({"age": None, "zip": "nowhere", "job": "astronaut", "other": 1})
    assert unknown.sum() == 0


def test_nothing_to_learn_scores_nothing() -> None:
    m, users = _world()
    net = PrefixNet.fit(m, users, history_lengths=[50], seed=0, nets=2, epochs=2)
    assert net.info["nets"] == 0
    assert not net.score(_ev([0], [5.0])).any()


def test_the_trained_cold_user_ranker_fits_and_reports_it() -> None:
    from dayone.rankers.cold_user import FEATURES, ColdUserRanker

    m, users = _world()
    ranker = ColdUserRanker.fit(m.item_ids, m, users, None, "trained", [1], seed=0, knn_bags=0)
    assert ranker.fitted.prefix is not None and ranker.info["prefix_net"]["nets"] >= 1
    F = ranker.fitted.features(_ev([0], [5.0]))
    column = F[:, FEATURES.index("prefix_net")]
    assert column[[2, 3, 4]].min() > column[[5, 6, 7]].max()
    zero_shot = ColdUserRanker.fit(m.item_ids, m, users, None, "zero-shot", [1], seed=0)
    assert zero_shot.fitted.prefix is None


def test_a_long_tail_beyond_the_modelled_items_scores_last(monkeypatch: pytest.MonkeyPatch) -> None:
    import dayone.rankers.prefix_net as prefix_net

    m, users = _world()
    monkeypatch.setattr(prefix_net, "MAX_ITEMS", 5)
    net = PrefixNet.fit(m, users, history_lengths=[1], seed=0, nets=1, epochs=5)
    counts = np.bincount(m.items, minlength=m.n_items)
    modelled = np.flatnonzero(net.slot >= 0)
    assert net.info["items"] == 5 and net.info["nets"] == 1
    assert counts[modelled].min() >= np.delete(counts, modelled).max()
    s = net.score(_ev([0, int(np.delete(np.arange(9), modelled)[0])], [5.0, 5.0]))
    assert s.shape == (9,) and s[modelled].min() > np.delete(s, modelled).max()
