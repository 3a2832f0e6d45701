"""People whose picks match a visitor's: the library's user-kNN.

Item–item co-occurrence adds up what each pick says on its own, so three Pixar picks each
bring their own crowd, and the crowd of a blockbuster drowns the others. Asking instead
"which people agree with *all* of these picks, and what else did they like?" keeps both the
population (every neighbour liked the classics) and the taste (people who agree on every pick
dominate). On the bench's new-user tasks this question, asked by `dayone.rankers.userknn`,
beat co-occurrence, EASE and ALS fold-in at every history length (docs/benchmarks.md); this
is the same idea with a fixed kernel, sized for request time: only people who share a pick
are read, at most `MAX_NEIGHBOURS` of them.

A user's weight is (`NeighbourKernel`)

    (agreement + smooth) ** sharpness  *  profile_match ** (attribute values shared with the visitor)

where agreement sums, over the visitor's picks the neighbour also has, 1 − |difference of the
two signed preferences in [-1, 1]| (both liked or both disliked: 1; opposite: −1, so someone
who hated what the visitor loved counts less than a stranger; the base is floored at 0). `smooth` keeps
everyone in the crowd, so one pick of a niche item does not hand the list to the few people
who saw it. An item scores the weighted share of users who liked it. With no picks but a profile, every user is a
neighbour by profile alone: popularity among people who share the visitor's attributes,
all of them at once rather than one group at a time; with neither, plain popularity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from dayone.data.users import UserTable
from dayone.recommender.attributes import attribute_value
from dayone.recommender.config import NeighbourKernel

# memory for the cached profile-only crowds (one per distinct visitor profile)
PROFILE_CACHE_BYTES = 64 * 2**20
# people read per request (the strongest agreements); bounds the cost on large populations
MAX_NEIGHBOURS = 1000


@dataclass
class NeighbourVote:
    """What the neighbours said: the weighted share who liked each item (sparse), and who
    they were (for the explanation)."""

    share: np.ndarray  # per item row: the weighted share of users who liked it
    people: np.ndarray  # indices (into Neighbours.users) of the users who agree on shared picks
    from_picks: bool  # False: the visitor has no picks; only a profile (if any) weighs people
    profiled: bool  # some profile attribute of the visitor is known to the population


@dataclass
class Neighbours:
    users: np.ndarray  # user id per index
    index_of: dict[str, int]
    prefs: sp.csc_matrix  # users x item rows: signed preference + 2 (0 = no interaction)
    liked: sp.csr_matrix  # users x item rows: 1 where the preference is positive
    attributes: dict[str, tuple[np.ndarray, dict[str, int]]]  # key -> (code per user, -1 = none; value -> code)
    # a profile-only vote reads every user, so it is kept per profile until the next refit
    _by_profile: dict[tuple[Any, ...], tuple[np.ndarray, float]] = field(default_factory=dict)

    @classmethod
    def fit(
        cls, users: np.ndarray, rows: np.ndarray, prefs: np.ndarray, n_rows: int, profiles: UserTable | None,
        like_weights: np.ndarray | None = None,
    ) -> Neighbours:
        """`like_weights` (one per interaction; recency when popularity forgets) weigh each
        like in the crowd's vote, so a visitor with no picks yet is not handed all-time hits
        by the similar-users part while popularity itself has moved on."""
        frame = pd.DataFrame({"user": users.astype(str), "row": rows, "pref": prefs,
                              "w": 1.0 if like_weights is None else like_weights})
        frame = frame.drop_duplicates(["user", "row"], keep="last")  # the latest opinion counts
        codes, uniques = pd.factorize(frame["user"])
        n_users = len(uniques)
        item_rows = frame["row"].to_numpy()
        p = frame["pref"].to_numpy(dtype=np.float64)
        signed = sp.csc_matrix((p + 2.0, (codes, item_rows)), shape=(n_users, n_rows))
        pos = p > 0
        liked = sp.csr_matrix(
            (frame["w"].to_numpy(dtype=np.float64)[pos], (codes[pos], item_rows[pos])), shape=(n_users, n_rows)
        )
        ids = np.asarray(uniques, dtype=object)
        attributes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        if profiles is not None and len(profiles):
            for j, uid in enumerate(ids):
                profile = profiles.get(str(uid))
                for key, value in (profile.attributes if profile else {}).items():
                    v = attribute_value(key, value)
                    if v is None:
                        continue
                    if key not in attributes:
                        attributes[key] = (np.full(n_users, -1, dtype=np.int64), {})
                    column, vocab = attributes[key]
                    column[j] = vocab.setdefault(v, len(vocab))
        return cls(ids, {str(u): j for j, u in enumerate(ids)}, signed, liked, attributes)

    def profile_factor(
        self, attributes: Mapping[str, Any], profile_match: float
    ) -> tuple[np.ndarray | None, tuple[tuple[str, int], ...]]:
        """Per user, profile_match ** (attribute values shared with `attributes`), and which
        (key, code) pairs were compared; None when no attribute is known to the population."""
        matched: list[tuple[str, int]] = []
        for key, value in attributes.items():
            v = attribute_value(key, value)
            if v is None or key not in self.attributes or v not in self.attributes[key][1]:
                continue
            matched.append((key, self.attributes[key][1][v]))
        if not matched:
            return None, ()
        shared = np.zeros(self.users.shape[0])
        for key, code in matched:
            shared += self.attributes[key][0] == code
        return profile_match**shared, tuple(sorted(matched))

    def _profile_vote(
        self, key: tuple[Any, ...], factor: np.ndarray | None
    ) -> tuple[np.ndarray, float]:
        """(sum over all users of profile weight x liked, sum of the weights): the crowd
        before any pick is known. It reads every user, so it is kept per profile until the
        next refit."""
        hit = self._by_profile.get(key)
        if hit is None:
            f = np.ones(self.users.shape[0]) if factor is None else factor
            hit = (np.asarray(self.liked.T @ f, dtype=np.float32).ravel(), float(f.sum()))
            # one float32 per item per cached profile: at most PROFILE_CACHE_BYTES in all
            capacity = max(4, PROFILE_CACHE_BYTES // max(4 * self.liked.shape[1], 1))
            if len(self._by_profile) >= capacity:
                self._by_profile.clear()
            self._by_profile[key] = hit
        return hit

    def vote(
        self,
        rows: np.ndarray,
        prefs: np.ndarray,
        attributes: Mapping[str, Any],
        kernel: NeighbourKernel,
        exclude: str | None = None,
        max_neighbours: int = MAX_NEIGHBOURS,
    ) -> NeighbourVote | None:
        """The neighbours' vote for a visitor with picks (`rows`, signed `prefs` on the stored
        scale, NaN for an engagement without a rating or like) and a profile.
        With neither, everyone weighs the same and the vote is the share of users who liked
        each item: a user-kNN that knows nothing is popularity, so the strategy means the same
        thing at every amount of evidence and one learned weight fits all of a bucket's
        visitors. None only if nobody is left. `exclude` leaves a known user out of their own
        crowd.

        Every user weighs in (smooth ** sharpness times their profile weight when they share
        no pick), so the sum splits into the cached profile-only crowd plus the increments of
        the people who share a pick, and only those are read per request.
        """
        factor, matched = self.profile_factor(attributes, kernel.profile_match)
        smooth, sharpness = kernel.smooth, kernel.sharpness
        n_users, n_cols = self.prefs.shape
        inside = rows < n_cols
        base, base_weight = self._profile_vote((matched, kernel.profile_match), factor)
        floor = smooth**sharpness
        total, norm = floor * base.astype(np.float64), floor * base_weight
        people = np.zeros(0, dtype=np.int64)
        agree = np.zeros(n_users)
        shared = np.zeros(0, dtype=np.int64)
        if inside.any():
            sub = self.prefs[:, rows[inside]].tocoo()
            theirs = sub.data - 2.0
            mine = prefs[inside][sub.col]
            # NaN: the visitor engaged without a rating or a like (a play count); the stored
            # engagement strengths are scaled by the whole log's largest count, the visitor's
            # by their own, so only the direction is compared: engaged vs engaged agrees
            mine = np.where(np.isnan(mine), np.where(theirs > 0, theirs, 1.0), mine)
            np.add.at(agree, sub.row, 1.0 - np.abs(theirs - mine))
            shared = np.unique(sub.row)
            f = np.ones(shared.size) if factor is None else factor[shared]
            gain = f * (np.maximum(agree[shared] + smooth, 0.0) ** sharpness - floor)
            if shared.size > max_neighbours:
                keep = np.argpartition(-np.abs(gain), max_neighbours - 1)[:max_neighbours]
                shared, gain = shared[keep], gain[keep]
            total = total + np.asarray(self.liked[shared].T @ gain, dtype=np.float64).ravel()
            norm += float(gain.sum())
            people = shared[agree[shared] > 0]
        if exclude is not None and exclude in self.index_of:
            j = self.index_of[exclude]
            # their weight is in the sum: the crowd's floor, plus their gain if the cap kept them
            kept = bool(np.isin(j, shared))
            own = (1.0 if factor is None else float(factor[j])) * (
                max(agree[j] + smooth, 0.0) ** sharpness if kept else floor
            )
            total = total - own * self.liked[j].toarray().ravel()
            norm -= own
            people = people[people != j]
        if norm <= 0:
            return None
        return NeighbourVote(np.maximum(total, 0.0) / norm, people, bool(inside.any()), bool(matched))

    def likers(self, vote: NeighbourVote, row: int) -> int:
        """How many of the vote's neighbours liked `row` (for the explanation)."""
        if row >= self.liked.shape[1]:
            return 0
        return int(self.liked[vote.people][:, row].nnz)
