"""Similar beginnings: what people who started with picks like the visitor's went on to like.

Why next to similar users and co-occurrence: those two weigh people by the very items the
visitor picked, so with one to ten picks most of the population shares none of them and
counts only through popularity or profile. This strategy is the bench's prefix network
(`dayone.rankers.prefix_net`): a small autoencoder trained on simulated beginnings of the
stored users (their profile and first k interactions -> what they liked afterwards), which
learns item -> later-item and attribute -> item associations that carry over between people
who share no pick. On the ML-100K new-user bench it lifted the tuned user-kNN from three
first items on and met the k=10 target (docs/benchmarks.md).

Training needs torch (the `[torch]` extra) and is done at `refit`; serving does not: the
networks are copied into numpy arrays, a request multiplies a handful of rows, and a saved
recommender keeps them in `beginnings.safetensors` + `beginnings.json`, so loading does not
train again. Without torch, or with too few users to learn from, the strategy is absent and
the hand-over blends the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dayone.data.users import UserTable
from dayone.index import ExactIndex
from dayone.rankers import prefix_net
from dayone.rankers.base import InteractionMatrix
from dayone.rankers.prefix_net import PrefixNet, ProfileEncoding

# users with at least MIN_PICKS interactions needed before a network is worth training: a
# few dozen people teach it nothing the popularity prior does not already say
MIN_USERS = 200
MIN_PICKS = 3
# beginnings the network is trained on: the hand-over's replay lengths (handover.learn_handover)
HISTORY_LENGTHS = (0, 1, 2, 3, 5, 10)
# networks averaged (the bench's choice: one alone is noisy on a few hundred users); the
# prefix network's compute budget trains fewer on large logs
NETS = prefix_net.NETS


@dataclass
class Beginnings:
    """The trained networks as numpy arrays, keyed to catalogue ids."""

    items: list[str]  # the modelled items, in output order
    profile: ProfileEncoding
    w_in: list[np.ndarray]  # per network: (inputs x hidden), rows gathered per request
    b_in: list[np.ndarray]
    w_out: list[np.ndarray]  # (hidden x modelled items)
    b_out: list[np.ndarray]
    n_interactions: int = 0  # the log it was trained on (a saved copy must match it)
    info: dict[str, Any] = field(default_factory=dict)
    slot: dict[str, int] = field(init=False, repr=False)
    _rows: tuple[int, np.ndarray] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.slot = {item: k for k, item in enumerate(self.items)}

    def rows(self, index: ExactIndex) -> np.ndarray:
        """The index row of each modelled item, -1 where the catalogue no longer holds it
        (cached until the index changes)."""
        if self._rows is None or self._rows[0] != index.generation:
            self._rows = (index.generation, index.rows_or_missing(self.items))
        return self._rows[1]

    @classmethod
    def fit(
        cls,
        item_ids: Sequence[str],
        interactions: pd.DataFrame,
        positive: np.ndarray,
        users: UserTable,
        seed: int = 0,
        log_size: int | None = None,
        progress: str | None = None,
    ) -> Beginnings | None:
        """Train on `interactions` (time-ordered where `ts` is known; `positive` marks the rows
        that count as likes, the population's own preference). `log_size`: the length of the
        whole log these rows come from (a save holds the whole log, and a loaded network must
        match it); default their own count. None without torch or with fewer than MIN_USERS
        users of MIN_PICKS interactions."""
        from dayone.rankers.sasrec import available

        if not available() or not len(interactions):
            return None
        per_user = interactions.groupby("user").size()
        if int((per_user >= MIN_PICKS).sum()) < MIN_USERS:
            return None
        index = {item: k for k, item in enumerate(item_ids)}
        user_codes, user_ids = pd.factorize(interactions["user"].astype(str), sort=False)
        ts = interactions["ts"].to_numpy(dtype=float)
        if np.isnan(ts).all():  # no clock: the log's own order is the order things happened
            ts = np.arange(len(ts), dtype=float)
        m = InteractionMatrix(
            list(item_ids),
            [str(u) for u in user_ids],
            user_codes.astype(np.int64),
            np.array([index[i] for i in interactions["item"]], dtype=np.int64),
            np.asarray(positive, dtype=float),
            np.nan_to_num(ts, nan=float(np.nanmax(ts))),
            0.5,
        )
        profiles = {}
        for u in m.user_ids:
            profile = users.get(u)
            profiles[u] = dict(profile.attributes) if profile is not None else {}
        net = PrefixNet.fit(m, profiles, list(HISTORY_LENGTHS), seed=seed, nets=NETS, progress=progress)
        if not net.nets:
            return None
        modelled = np.flatnonzero(net.slot >= 0)  # slots follow catalogue order
        w_in, b_in, w_out, b_out = [], [], [], []
        for module in net.nets:
            first, last = module[1], module[3]
            w_in.append(first.weight.detach().numpy().T.copy())
            b_in.append(first.bias.detach().numpy().copy())
            w_out.append(last.weight.detach().numpy().T.copy())
            b_out.append(last.bias.detach().numpy().copy())
        return cls(
            [str(item_ids[int(k)]) for k in modelled],
            net.profile,
            w_in,
            b_in,
            w_out,
            b_out,
            n_interactions=len(interactions) if log_size is None else log_size,
            info=dict(net.info),
        )

    def log_probs(self, picks: Sequence[str], liked: Sequence[bool], attributes: Mapping[str, Any]) -> np.ndarray:
        """Mean log-probability over the networks that the visitor goes on to like each
        modelled item (in `items` order). Picks the networks do not model are left out."""
        slot = self.slot
        n = len(self.items)
        active = []
        for item, like in zip(picks, liked, strict=True):
            k = slot.get(item)
            if k is not None:
                active.append(k if like else n + k)
        prof = self.profile.encode(dict(attributes))
        active.extend((2 * n + np.flatnonzero(prof)).tolist())
        rows = np.asarray(sorted(set(active)), dtype=np.int64)
        total = np.zeros(n, dtype=np.float64)
        for w_in, b_in, w_out, b_out in zip(self.w_in, self.b_in, self.w_out, self.b_out, strict=True):
            h = np.tanh(w_in[rows].sum(axis=0) + b_in)
            z = (h @ w_out + b_out).astype(np.float64)
            top = float(z.max())
            total += z - top - np.log(np.exp(z - top).sum())
        return total / max(len(self.w_in), 1)

    # ------------------------------------------------------------------ persistence
    def tensors(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k, arrays in enumerate(zip(self.w_in, self.b_in, self.w_out, self.b_out, strict=True)):
            for name, arr in zip(("w_in", "b_in", "w_out", "b_out"), arrays, strict=True):
                out[f"net{k}.{name}"] = np.ascontiguousarray(arr, dtype=np.float32)
        return out

    def meta(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "nets": len(self.w_in),
            "n_interactions": self.n_interactions,
            "profile": {
                "keys": self.profile.keys,
                "numeric": {k: v.tolist() for k, v in self.profile.numeric.items()},
                "values": self.profile.values,
                "prefix": sorted(self.profile.prefix),
            },
            "info": self.info,
        }

    @classmethod
    def from_saved(cls, meta: Mapping[str, Any], tensors: Mapping[str, np.ndarray]) -> Beginnings:
        """Rebuild from `meta()` and `tensors()`; a missing or misshapen array is a KeyError
        or ValueError for the caller to report with the file's name."""
        p = meta["profile"]
        profile = ProfileEncoding(
            list(p["keys"]),
            {k: np.asarray(v, dtype=float) for k, v in p["numeric"].items()},
            {k: [str(x) for x in v] for k, v in p["values"].items()},
            set(p["prefix"]),
        )
        items = [str(i) for i in meta["items"]]
        nets = int(meta["nets"])
        arrays: dict[str, list[np.ndarray]] = {"w_in": [], "b_in": [], "w_out": [], "b_out": []}
        for k in range(nets):
            for name in arrays:
                arrays[name].append(np.asarray(tensors[f"net{k}.{name}"], dtype=np.float32))
        width = 2 * len(items) + profile.width
        for w_in, w_out in zip(arrays["w_in"], arrays["w_out"], strict=True):
            if w_in.shape[0] != width or w_out.shape[1] != len(items):
                raise ValueError(
                    f"network shapes {w_in.shape} / {w_out.shape} do not fit {len(items)} items"
                )
        return cls(
            items,
            profile,
            arrays["w_in"],
            arrays["b_in"],
            arrays["w_out"],
            arrays["b_out"],
            n_interactions=int(meta["n_interactions"]),
            info=dict(meta.get("info", {})),
        )
