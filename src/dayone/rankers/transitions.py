"""Sequential transitions: what is bought right after what (a first-order Markov chain).

For sequence data the last item says far more than the whole bag of history; counts of
"a then b" from train sequences, normalised per source item and smoothed, scored from the
last few items with geometrically decaying weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import UserEvidence


@dataclass
class Transitions:
    source = "transitions"
    T: sp.csr_matrix  # items x items, row-normalised
    decay: float = 0.5
    depth: int = 3

    @classmethod
    def fit(
        cls, sequences: list[np.ndarray], n_items: int, window: int = 2, shrink: float = 1.0
    ) -> Transitions:
        """Count a->b for b up to `window` steps after a (weight 1/step); row-normalise."""
        rows, cols, vals = [], [], []
        for seq in sequences:
            for step in range(1, window + 1):
                if len(seq) > step:
                    rows.append(seq[:-step])
                    cols.append(seq[step:])
                    vals.append(np.full(len(seq) - step, 1.0 / step))
        if rows:
            r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        else:
            r = c = np.zeros(0, dtype=np.int64)
            v = np.zeros(0)
        C = sp.csr_matrix((v, (r, c)), shape=(n_items, n_items))
        out_deg = np.asarray(C.sum(axis=1)).ravel()
        T = sp.diags(1.0 / (out_deg + shrink)) @ C
        return cls(T.tocsr())

    def score(self, user: UserEvidence) -> np.ndarray:
        s = np.zeros(self.T.shape[0])
        recent = user.items[::-1][: self.depth]
        for k, item in enumerate(recent):
            row = self.T.getrow(int(item))
            s[row.indices] += (self.decay**k) * row.data
        return s
