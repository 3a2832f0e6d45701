"""What EASE over item words costs next to plain EASE, at a catalogue size where it bites.

    python benchmarks/ease_words.py                       # 10,000 items (8,000 kept), 20,000 sequences
    python benchmarks/ease_words.py --items 4400 --users 8400   # about scientific-seq's size

The sequence ranker's `ease_text` chooses the words' weight on held-out next items (one
items x items inverse per grid point) and then fits one more EASE. Both are timed here
against one plain `EASE.fit` on the same data, in this process, and the ratio is printed;
the peak resident memory of the process is printed too. The data is synthetic (random
sequences, random brand/line/kind words): only the cost is measured, not quality.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from dayone.rankers import sequential
from dayone.rankers.ease import EASE
from dayone.rankers.lexical import LexicalSimilarity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--held-out", type=int, default=3000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n = args.items
    texts = [
        f"brand{rng.integers(300)} line{rng.integers(2000)} kind{rng.integers(50)}"
        for _ in range(n)
    ]
    seqs = [rng.integers(0, n, size=int(rng.integers(3, 12))) for _ in range(args.users)]
    held = [rng.integers(0, n, size=int(rng.integers(3, 12))) for _ in range(args.held_out)]
    hist, targets = [s[:-1] for s in held], np.array([s[-1] for s in held])
    X = sequential.binary_matrix(seqs, n)

    t0 = time.perf_counter()
    EASE.fit(X, 200.0)
    plain = time.perf_counter() - t0

    t0 = time.perf_counter()
    vocab = LexicalSimilarity.fit(texts)
    weight, _, _, _ = sequential.choose_word_weight(seqs, n, vocab, 200.0, hist, targets)
    chosen = time.perf_counter() - t0
    t0 = time.perf_counter()
    EASE.fit(X, 200.0, side=vocab.X, side_weight=max(weight, 1.0))
    fitted = time.perf_counter() - t0

    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{n} items, {args.users} sequences")
    print(f"  plain EASE fit            {plain:7.1f} s  (baseline)")
    print(f"  choose the words' weight  {chosen:7.1f} s  ({chosen / plain:.1f}x)")
    print(f"  EASE with item words fit  {fitted:7.1f} s  ({fitted / plain:.1f}x)")
    print(f"  peak resident memory      {peak_gb:7.2f} GB")


if __name__ == "__main__":
    main()
