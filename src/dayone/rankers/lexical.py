"""Word-overlap similarity between items (TF-IDF), next to the sentence encoder's.

Why: a sentence encoder maps "PORTER-CABLE 80 grit sanding roll" and "3M 80 grit sanding
disc" close together, but what predicts the next purchase in a product catalogue is often
the exact brand, product line or model number, which a small encoder blurs and word overlap
keeps (on scientific-seq's own leave-last-out split of train sequences, TF-IDF similarity to
the history ranks the next item better than MiniLM's). On film titles word overlap is weak
(sequels aside). It enters at fixed weights: the zero-shot sequence score
(`sequential.LEXICAL_WEIGHT`, chosen on held-out train sequences of a film and a product
task) and the zero-shot new-item "reach" (`cold_item.REACH_WEIGHT`, chosen on a film task).
The trained blends leave it out: with interactions, co-occurrence already says what shared
brands say (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class LexicalSimilarity:
    X: sp.csr_matrix  # items x terms, rows L2-normalised TF-IDF

    @classmethod
    def fit(cls, texts: Sequence[str]) -> LexicalSimilarity:
        """Words, or character uni- and bigrams when the catalogue is mostly written without
        spaces (Chinese, Japanese): there a "word" would be a whole title."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [t or "" for t in texts]
        if unspaced_share(docs[:2000]) > 0.3:
            vec = TfidfVectorizer(
                sublinear_tf=True, dtype=np.float32, analyzer="char", ngram_range=(1, 2)
            )
        else:
            vec = TfidfVectorizer(sublinear_tf=True, dtype=np.float32)
        try:
            X = vec.fit_transform(docs)
        except ValueError:  # no token at all (empty or punctuation-only texts)
            X = sp.csr_matrix((len(docs), 1), dtype=np.float32)
        return cls(sp.csr_matrix(X))

    def batch(self, histories: Sequence[np.ndarray], decay: float) -> tuple[np.ndarray, np.ndarray]:
        """Per history: cosine of every item to the recency-weighted TF-IDF profile (the
        newest item weighs 1, each older one `decay` times the next), and to the last item."""
        n_users, n_items = len(histories), self.X.shape[0]
        rows, cols, vals, last = [], [], [], np.zeros(n_users, dtype=np.int64)
        has = np.zeros(n_users, dtype=bool)
        for r, h in enumerate(histories):
            if len(h):
                w = decay ** np.arange(len(h) - 1, -1, -1, dtype=np.float64)
                rows.append(np.full(len(h), r))
                cols.append(np.asarray(h, dtype=np.int64))
                vals.append(w)
                last[r], has[r] = int(h[-1]), True
        if not has.any():
            z = np.zeros((n_users, n_items), dtype=np.float32)
            return z, z.copy()
        W = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_users, n_items),
        )
        P = sp.csr_matrix(W @ self.X)
        norms = np.sqrt(np.asarray(P.multiply(P).sum(axis=1)).ravel())
        P = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ P)
        profile = np.asarray((P @ self.X.T).todense(), dtype=np.float32)
        to_last = np.asarray((self.X[last] @ self.X.T).todense(), dtype=np.float32)
        to_last[~has] = 0.0
        return profile, to_last


def unspaced_share(texts: Sequence[str]) -> float:
    """Share of letters from scripts written without spaces between words (CJK ideographs,
    kana, Thai)."""
    letters = [ch for text in texts for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    unspaced = sum(
        0x3040 <= ord(ch) <= 0x30FF or 0x3400 <= ord(ch) <= 0x9FFF or 0x0E00 <= ord(ch) <= 0x0E7F
        for ch in letters
    )
    return unspaced / len(letters)
