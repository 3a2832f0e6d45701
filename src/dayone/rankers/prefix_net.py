"""What people went on to like after starting like this: a small network over profile and first items.

Why next to the user-kNN: the kNN weighs each train user by agreement on the very items the
new user rated, so with one to ten items most train users share none of them and count only
through their profile. A network trained on simulated beginnings of the train users (their
profile and first k interactions -> the items they liked afterwards) learns item -> item and
attribute -> item associations that carry over between users who share no item. Alone it
ranks below the kNN on the simulated cold users; added to it, it lifts the held-out figure
for three or more first items (docs/benchmarks.md, `scripts/newuser_validation.py --prefix-net`).

Design (a Mult-DAE, Liang et al. 2018, trained on prefixes instead of whole histories):
- input: one-hots of the liked and of the not-liked first k items, and of the profile
  (`ProfileEncoding`); dropout 0.5 on the input;
- one tanh layer, a softmax over the catalogue, the multinomial likelihood of the later likes;
- k is drawn afresh for every user in every epoch from the requests' history lengths, so the
  network is trained on the protocol it will be asked (the same draw as the simulated split);
- a short fixed schedule and an ensemble of seeds averaged in log space: with a few hundred
  train users one network is noisy (its held-out figure swings with the seed) and longer
  training overfits (150 epochs ranked far below 20 in a scratch check); early stopping on a
  held-out slice of so few users chose anything from 3 to 23 epochs.
- a compute budget: larger catalogues train fewer networks, then fewer users per epoch, and
  only the `MAX_ITEMS` most interacted items are read and scored.

torch is an optional extra (`sasrec.available()`); callers leave the feature out without it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dayone.rankers.base import InteractionMatrix, UserEvidence

HIDDEN = 256
EPOCHS = 20
NETS = 5
BATCH = 64
# multiply-adds one fit may spend (forward and backward passes of every network). On ml-100k
# a fit of 5 networks costs about 2.7e11 (about 20 s on one core); a task with 6x the users
# and 2.5x the items trains one network on a third of the users per epoch.
BUDGET = 3e11
# Items the network reads and scores: the most interacted ones. A catalogue's long tail is
# rarely anyone's first item or later like, and every item costs two input columns and an
# output (the other items score below all of these).
MAX_ITEMS = 4000


@dataclass
class ProfileEncoding:
    """Profile attributes -> one-hot columns, for any attribute names: numbers by quintile,
    strings by value (values held by too few users share no column), digit codes (postcodes)
    also by their first digit."""

    keys: list[str]
    numeric: dict[str, np.ndarray] = field(default_factory=dict)  # quintile edges
    values: dict[str, list[str]] = field(default_factory=dict)
    prefix: set[str] = field(default_factory=set)

    @classmethod
    def fit(cls, profiles: list[dict[str, Any]]) -> ProfileEncoding:
        keys = sorted({k for p in profiles for k in p})
        out = cls(keys)
        for key in keys:
            vals = [p[key] for p in profiles if p.get(key) is not None]
            if not vals:
                continue
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
                out.numeric[key] = np.quantile(np.asarray(vals, dtype=float), [0.2, 0.4, 0.6, 0.8])
                continue
            counts = Counter(str(v) for v in vals)
            least = max(3, len(profiles) // 200)
            out.values[key] = sorted(v for v, n in counts.items() if n >= least)
            if all(str(v).isdigit() and len(str(v)) >= 3 for v in vals):
                out.prefix.add(key)
        return out

    @property
    def width(self) -> int:
        return (
            5 * len(self.numeric)
            + sum(len(v) for v in self.values.values())
            + 10 * len(self.prefix)
        )

    def encode(self, profile: dict[str, Any]) -> np.ndarray:
        x = np.zeros(self.width, dtype=np.float32)
        at = 0
        for key in self.keys:
            value = profile.get(key)
            if key in self.numeric:
                if isinstance(value, int | float) and not isinstance(value, bool):
                    x[at + int(np.searchsorted(self.numeric[key], float(value), side="right"))] = 1.0
                at += 5
                continue
            if key not in self.values:
                continue
            known = self.values[key]
            text = str(value) if value is not None else None
            if text is not None and text in known:
                x[at + known.index(text)] = 1.0
            at += len(known)
            if key in self.prefix:
                if text and text[0].isdigit():
                    x[at + int(text[0])] = 1.0
                at += 10
        return x


@dataclass
class PrefixNet:
    """An ensemble of prefix autoencoders (see the module docstring)."""

    source = "prefix-net"
    nets: list[Any]  # torch modules
    profile: ProfileEncoding
    n_items: int
    like_threshold: float | None
    slot: np.ndarray  # per catalogue item: its input/output position, -1 = not modelled
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        m: InteractionMatrix,
        users: dict[str, dict[str, Any]],
        history_lengths: list[int],
        seed: int = 0,
        nets: int = NETS,
        epochs: int = EPOCHS,
        budget: float = BUDGET,
        progress: str | None = None,
    ) -> PrefixNet:
        """`progress`: a label to show a progress bar under (None: silent)."""
        import torch
        from tqdm import tqdm

        profile = ProfileEncoding.fit([users.get(u, {}) for u in m.user_ids])
        P = np.stack([profile.encode(users.get(u, {})) for u in m.user_ids]) if m.n_users else None
        counts = np.bincount(m.items, minlength=m.n_items)
        vocab = np.arange(m.n_items)
        if m.n_items > MAX_ITEMS:
            vocab = np.sort(np.argsort(-counts, kind="stable")[:MAX_ITEMS])
        slot = np.full(m.n_items, -1, dtype=np.int64)
        slot[vocab] = np.arange(len(vocab))
        n_out = len(vocab)
        width = 2 * n_out + profile.width
        lengths = np.asarray(history_lengths or [0])
        positive = m.positive_mask()
        rng = np.random.default_rng(seed)
        ordered = _time_ordered_rows(m, rng)
        per_user = 3 * HIDDEN * (width + n_out)  # multiply-adds per example, both passes
        per_net = epochs * max(m.n_users, 1) * per_user
        n_nets = int(min(nets, max(1, budget // max(per_net, 1))))
        users_per_epoch = int(min(m.n_users, max(BATCH, budget // (epochs * per_user))))
        models = []
        bar = tqdm(total=n_nets * epochs, desc=progress, unit="epoch", disable=progress is None, leave=False)
        for _net in range(n_nets):
            torch.manual_seed(int(rng.integers(1 << 31)))
            net = _autoencoder(width, n_out)
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            steps = 0
            for _ in range(epochs):
                bar.update(1)
                net.train()
                chosen = rng.permutation(m.n_users)[:users_per_epoch]
                X, Y = _examples(m, slot, chosen, ordered, lengths, positive, P, width, rng)
                if not len(X):  # nobody liked anything after their first k: nothing to learn
                    break
                Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
                order = torch.randperm(len(Xt))
                for b in range(0, len(Xt), BATCH):
                    idx = order[b : b + BATCH]
                    logp = torch.log_softmax(net(Xt[idx]), dim=1)
                    target = Yt[idx]
                    loss = -((logp * target).sum(1) / target.sum(1)).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    steps += 1
            if steps:
                net.eval()
                models.append(net)
        bar.close()
        info = {
            "nets": len(models),
            "epochs": epochs,
            "users_per_epoch": users_per_epoch,
            "items": n_out,
        }
        return cls(models, profile, m.n_items, m.like_threshold, slot, info)

    def encode(self, user: UserEvidence) -> np.ndarray:
        n_out = int((self.slot >= 0).sum())
        x = np.zeros(2 * n_out + self.profile.width, dtype=np.float32)
        liked = _liked_flags(user, self.like_threshold)
        _mark_history(x, self.slot[np.asarray(user.items, dtype=np.int64)], liked, n_out)
        x[2 * n_out :] = self.profile.encode(user.attributes)
        return x

    def score(self, user: UserEvidence) -> np.ndarray:
        """Mean log-probability over the ensemble that the user goes on to like each item."""
        import torch

        if not self.nets:
            return np.zeros(self.n_items)
        x = torch.from_numpy(self.encode(user)[None])
        with torch.no_grad():
            logp = [torch.log_softmax(net(x), dim=1)[0].numpy() for net in self.nets]
        modelled = np.asarray(np.mean(logp, axis=0), dtype=np.float64)
        out = np.full(self.n_items, float(modelled.min()) - 1.0)
        out[self.slot >= 0] = modelled  # slots follow catalogue order
        return out


def _autoencoder(width: int, n_items: int) -> Any:
    import torch

    return torch.nn.Sequential(
        torch.nn.Dropout(0.5),
        torch.nn.Linear(width, HIDDEN),
        torch.nn.Tanh(),
        torch.nn.Linear(HIDDEN, n_items),
    )


def _mark_history(x: np.ndarray, slots: np.ndarray, liked: np.ndarray, n_out: int) -> None:
    """Set the input columns of the history: one block for liked items, one for the rest
    (items the network does not model are left out)."""
    known = slots >= 0
    x[slots[liked & known]] = 1.0
    x[n_out + slots[~liked & known]] = 1.0


def _liked_flags(user: UserEvidence, like_threshold: float | None) -> np.ndarray:
    """Per history item: liked (rating at or above the threshold, an explicit like, or a
    plain interaction) or not."""
    n = len(user.items)
    flags = np.ones(n, dtype=bool)
    r = np.asarray(user.ratings, dtype=float) if len(user.ratings) == n else np.full(n, np.nan)
    if like_threshold is not None:
        known = np.isfinite(r)
        flags[known] = r[known] >= like_threshold
    for k, liked in enumerate(user.liked[:n]):
        if liked is not None and not np.isfinite(r[k]):
            flags[k] = bool(liked)
    return flags


def _time_ordered_rows(m: InteractionMatrix, rng: np.random.Generator) -> list[np.ndarray]:
    """Each user's interaction rows, oldest first (ties and untimed data in random order)."""
    by_user = np.split(
        np.argsort(m.users, kind="stable"),
        np.cumsum(np.bincount(m.users, minlength=m.n_users))[:-1],
    )
    if m.ts is None:
        return [rng.permutation(rows) for rows in by_user]
    return [rows[np.lexsort((rng.random(len(rows)), m.ts[rows]))] for rows in by_user]


def _examples(
    m: InteractionMatrix,
    slot: np.ndarray,
    chosen: np.ndarray,
    ordered: list[np.ndarray],
    lengths: np.ndarray,
    positive: np.ndarray,
    P: np.ndarray | None,
    width: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One simulated beginning per chosen user: (input rows, later-likes rows)."""
    X = np.zeros((len(chosen), width), dtype=np.float32)
    n_out = int((slot >= 0).sum())
    Y = np.zeros((len(chosen), n_out), dtype=np.float32)
    keep = np.zeros(len(chosen), dtype=bool)
    for r, u in enumerate(chosen):
        rows = ordered[u]
        k = int(rng.choice(lengths))
        hist, later = rows[:k], rows[k:]
        liked = slot[np.unique(m.items[later[positive[later]]])]
        liked = liked[liked >= 0]
        if not len(liked):
            continue
        keep[r] = True
        Y[r, liked] = 1.0
        _mark_history(X[r], slot[m.items[hist]], positive[hist], n_out)
        if P is not None:
            X[r, 2 * n_out :] = P[u]
    return X[keep], Y[keep]
