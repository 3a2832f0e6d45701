"""Does "X, no Y" keep Y out of a new visitor's recommendations?

A labelled check that needs no ../shared: the demo catalogue's genres. For every ordered pair
of genres (X, Y) that share at least `--min-shared` movies (so that Y can turn up when X is
asked for), the visitor types "X movies, no Y" and gets the top 10 from the demo recommender
(`Recommender.recommend(text=...)`, the packaged model, popularity priors included). Two
shares are counted per query: top-10 items of genre Y (the visitor asked to avoid them: lower
is better) and of genre X (still what was asked for: higher is better). Compared settings:

- `sentence`: the whole sentence encoded as one query (`parse_negation=False`), as before;
- `wanted-only`: the avoided clause dropped from the query, nothing pushed down (`avoid_weight=0`);
- `avoid=W`: the avoided phrase's matches pushed down with weight W.

    python scripts/negation_eval.py                   # the packaged model
    python scripts/negation_eval.py --encoder hash    # a quick, meaningless smoke run
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np

from dayone.demo.catalog import build_demo_recommender
from dayone.encoders import get_encoder
from dayone.evaluation.metrics import percentile_interval

# how a visitor would write each MovieLens genre
SPOKEN = {"Sci-Fi": "science fiction", "Children": "children's", "Film-Noir": "film noir",
          "IMAX": "IMAX", "Musical": "musicals", "Western": "westerns"}


def genres_of(fields: dict[str, object]) -> set[str]:
    g = fields.get("genres")
    if isinstance(g, list):
        return {str(x) for x in g}
    return {x for x in str(g or "").split("|") if x}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="default", help="encoder name (default: the packaged MiniLM)")
    parser.add_argument("--min-shared", type=int, default=20, help="movies a genre pair must share")
    parser.add_argument("--weights", default="0.5,1,2", help="avoid weights to compare")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    args = parser.parse_args(argv)
    try:
        weights = [float(w) for w in args.weights.split(",")]
    except ValueError:
        parser.error(f"--weights must be comma-separated numbers, got {args.weights!r}")
    if any(w < 0 for w in weights):
        parser.error("--weights must be >= 0")

    rec = build_demo_recommender(encoder=get_encoder(args.encoder), show_progress=True)
    genre = {i: genres_of(dict(rec.catalog.fields(i))) for i in rec.catalog.ids}
    names = sorted({g for gs in genre.values() for g in gs} - {"(no genres listed)"})
    shared = {(a, b): sum(1 for gs in genre.values() if a in gs and b in gs) for a, b in itertools.permutations(names, 2)}
    pairs = [p for p, n in shared.items() if n >= args.min_shared]
    settings = [("sentence", False, 0.0), ("wanted-only", True, 0.0)] + [(f"avoid={w:g}", True, w) for w in weights]
    avoided = {name: np.zeros(len(pairs)) for name, _, _ in settings}
    wanted = {name: np.zeros(len(pairs)) for name, _, _ in settings}
    for name, parse, w in settings:
        rec.config.parse_negation, rec.config.avoid_weight = parse, w
        for q, (a, b) in enumerate(pairs):
            text = f"{SPOKEN.get(a, a.lower())} movies, no {SPOKEN.get(b, b.lower())}"
            top = [r.item for r in rec.recommend(text, n=10)]
            avoided[name][q] = np.mean([b in genre[i] for i in top])
            wanted[name][q] = np.mean([a in genre[i] for i in top])
    print(f"{len(pairs)} queries 'X movies, no Y' over {len(genre)} movies (pairs sharing >= {args.min_shared})")
    print(f"{'setting':12s} {'share Y (avoid)':>16s} {'share X (wanted)':>17s}")
    for name, _, _ in settings:
        print(f"{name:12s} {avoided[name].mean():16.3f} {wanted[name].mean():17.3f}")
    rng = np.random.default_rng(args.seed)
    for name, _, _ in settings[1:]:
        d_avoid = avoided[name] - avoided["sentence"]
        d_want = wanted[name] - wanted["sentence"]
        idx = rng.integers(0, len(pairs), (2000, len(pairs)))
        lo_a, hi_a = percentile_interval(d_avoid[idx].mean(axis=1))
        lo_w, hi_w = percentile_interval(d_want[idx].mean(axis=1))
        print(f"{name} - sentence: share Y {d_avoid.mean():+.3f} [{lo_a:+.3f}, {hi_a:+.3f}], "
              f"share X {d_want.mean():+.3f} [{lo_w:+.3f}, {hi_w:+.3f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
