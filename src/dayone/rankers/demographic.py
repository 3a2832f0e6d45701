"""Popularity among people like this user: attribute-conditioned, similarity-weighted.

A profile (age, gender, occupation, location) is all that is known about a brand-new user.
Instead of hard groups that run out of members, every train user is weighted by a kernel
similarity of profiles (numeric attributes: Gaussian on standardised distance; strings: match
or not, with a prefix match for postcode-like codes), and the item popularity among the
weighted users is smoothed towards global popularity by `prior` pseudo-users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import InteractionMatrix, UserEvidence


@dataclass
class AttributePopularity:
    source = "demographic"
    attrs: list[dict[str, Any]]
    positive: sp.csr_matrix  # users x items, 0/1
    numeric_scale: dict[str, float]
    global_rate: np.ndarray
    prior: float = 20.0
    bandwidth: float = 0.5
    power: float = 4.0

    @classmethod
    def fit(
        cls, m: InteractionMatrix, users: dict[str, dict[str, Any]], prior: float = 20.0
    ) -> AttributePopularity:
        attrs = [users.get(u, {}) for u in m.user_ids]
        scales: dict[str, float] = {}
        keys = {k for a in attrs for k in a}
        for k in keys:
            vals = [
                a[k]
                for a in attrs
                if isinstance(a.get(k), int | float) and not isinstance(a.get(k), bool)
            ]
            if len(vals) >= max(2, len(attrs) // 2):
                scales[k] = float(np.std(vals)) or 1.0
        pos = m.binary(positive_only=True)
        rate = np.asarray(pos.mean(axis=0)).ravel()
        return cls(attrs, pos, scales, rate, prior=prior)

    def _column(self, key: str, numeric: bool) -> np.ndarray:
        cache = self.__dict__.setdefault("_cols", {})
        if (key, numeric) not in cache:
            if numeric:
                cache[(key, numeric)] = np.array(
                    [
                        float(a[key])
                        if isinstance(a.get(key), int | float) and not isinstance(a.get(key), bool)
                        else np.nan
                        for a in self.attrs
                    ]
                )
            else:
                cache[(key, numeric)] = np.array([str(a.get(key, "")) for a in self.attrs])
        return cache[(key, numeric)]  # type: ignore[no-any-return,unused-ignore]

    def _sets(self, key: str) -> list[frozenset[str]]:
        """Each train user's values of `key` as a set (a single value is a set of one)."""
        cache = self.__dict__.setdefault("_set_cols", {})
        if key not in cache:
            cache[key] = [
                frozenset(str(v) for v in a[key]) if isinstance(a.get(key), list | tuple | set)
                else frozenset() if a.get(key) is None else frozenset([str(a[key])])
                for a in self.attrs
            ]
        return cache[key]

    def similarity(self, profile: dict[str, Any]) -> np.ndarray:
        """Kernel similarity of `profile` to every train user, in [0, 1]."""
        sims = np.ones(len(self.attrs))
        for factor in self.factors(profile).values():
            sims *= factor
        return sims**self.power

    def factors(self, profile: dict[str, Any]) -> dict[str, np.ndarray]:
        """Per attribute of `profile`: its kernel similarity to every train user, in (0, 1]."""
        out: dict[str, np.ndarray] = {}
        for key, value in profile.items():
            if value is None:
                continue
            if (
                key in self.numeric_scale
                and isinstance(value, int | float)
                and not isinstance(value, bool)
            ):
                d = (self._column(key, True) - float(value)) / self.numeric_scale[key]
                k = np.exp(-0.5 * (d / self.bandwidth) ** 2)
                out[key] = np.where(np.isnan(k), 0.5, 0.2 + 0.8 * k)
            elif isinstance(value, list | tuple | set | frozenset):
                mine = {str(v) for v in value}
                if mine:
                    # several values (favourite genres, languages): shared ones count in
                    # proportion, where the whole list as one string matched only a twin
                    out[key] = 0.5 + 0.5 * np.array(
                        [len(mine & s) / len(mine | s) for s in self._sets(key)], dtype=float)
            else:
                sval = str(value)
                col = self._column(key, False)
                match = col == sval
                if sval.isdigit() and len(sval) >= 3:  # postcode-like: a shared prefix is near
                    near = np.char.startswith(col, sval[:1])
                    out[key] = np.where(match, 1.0, np.where(near, 0.8, 0.7))
                else:
                    out[key] = np.where(match, 1.0, 0.5)
        return out

    def attribute_keys(self) -> list[str]:
        """Attribute names most train users have (the per-attribute features)."""
        from collections import Counter

        counts = Counter(k for a in self.attrs for k in a)
        return sorted(k for k, c in counts.items() if c >= len(self.attrs) // 2)

    def per_attribute(self, profile: dict[str, Any], key: str) -> np.ndarray:
        """Smoothed like-rate among users similar on `key` alone (a naive-Bayes-style factor)."""
        if profile.get(key) is None:
            return self.global_rate.copy()
        saved = self.power
        try:
            self.power = 2.0
            w = self.similarity({key: profile[key]})
        finally:
            self.power = saved
        weighted = np.asarray(self.positive.T @ w).ravel()
        return (weighted + self.prior * self.global_rate) / (w.sum() + self.prior)

    def score(self, user: UserEvidence) -> np.ndarray:
        if not user.attributes:
            return self.global_rate.copy()
        w = self.similarity(user.attributes)
        weighted = np.asarray(self.positive.T @ w).ravel()
        return (weighted + self.prior * self.global_rate) / (w.sum() + self.prior)
