"""Does a brand-new item surface for a visitor's sentence that fits it, without crowding out
what the crowd already knows is good?

Every population part of a score (popularity, similar users, co-occurrence) counts
interactions, so an item added a moment ago enters a sentence's list on its text match and
its predicted quality alone, while liked items that match nearly as well keep their whole
prior. `RecommenderConfig.new_item_popularity` gives an item the log does not know a multiple
of the popularity its description predicts (`taste.py`'s reach map). This checks it on the
demo catalogue: a fifth of the films (seeded) lose all their ratings, as items just added
to the catalogue would have none, and the demo's user tags are the queries (the relevant
items of "time travel" are the films tagged with it; items are described with their genres
and the tags of the *other* half of the tags, as in `scripts/field_match_eval.py`, so a
query never matches itself). Per query: ndcg@10 over every relevant film, and over the new
films only (recall of the relevant new films in the top 10, for queries that have one), and
how many of the top 10 are new films at all. Each setting is compared with 0 (the behaviour
before), paired per query, with a bootstrap interval.

Caveat: people tag films they watched, so a tagged new film leans popular, and the reach map
predicts popularity; read the new-film figures as "how far a fitting new item gets", and the
all-films figure as the cost or gain for the visitor.

    python scripts/new_item_text_eval.py            # both halves, a few minutes each
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from field_match_eval import described_by_other_half, half, parse_halves, tagged  # noqa: E402

from dayone.demo.catalog import load_demo_catalog  # noqa: E402
from dayone.encoders import get_encoder  # noqa: E402
from dayone.evaluation.metrics import NDCG, Truth, percentile_interval  # noqa: E402
from dayone.recommender import Recommender, RecommenderConfig  # noqa: E402

NDCG10 = NDCG(10)
SHARES = (0.0, 1.0, 2.0, 4.0)


def interval(diff: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    boots = [diff[rng.integers(0, diff.size, diff.size)].mean() for _ in range(2000)]
    return percentile_interval(np.asarray(boots))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--halves", default="0,1", help="which halves of the tags serve as queries")
    parser.add_argument("--min-items", type=int, default=3, help="a query tag must be on at least this many movies")
    parser.add_argument("--new-share", type=float, default=0.2, help="share of the films that lose their ratings")
    parser.add_argument("--seed", type=int, default=0, help="which films are new, and the bootstrap")
    args = parser.parse_args(argv)
    halves = parse_halves(parser, args.halves)
    if not 0 < args.new_share < 1:
        parser.error(f"--new-share must be between 0 and 1, got {args.new_share}")

    catalog, ratings = load_demo_catalog(with_tags=False)
    known = set(catalog.ids)
    rng = np.random.default_rng(args.seed)
    ids = np.asarray(sorted(known))
    new = set(rng.choice(ids, int(round(args.new_share * ids.size)), replace=False).tolist())
    ratings = ratings[~ratings["item"].astype(str).isin(new)]
    per_movie, movies = tagged()
    encoder = get_encoder("default")
    every: dict[float, list[float]] = collections.defaultdict(list)
    fresh: dict[float, list[float]] = collections.defaultdict(list)
    shown: dict[float, list[int]] = collections.defaultdict(list)
    for h in halves:
        queries = sorted(t for t, ms in movies.items() if len(ms & known) >= args.min_items and half(t) == h)
        rec = Recommender.build(described_by_other_half(catalog, per_movie, h), ratings,
                                config=RecommenderConfig(domain="movie"), encoder=encoder, show_progress=True)
        print(f"half {h}: {len(queries)} tag queries, {len(new)} new films", flush=True)
        for share in SHARES:
            rec.config = rec.config.model_copy(update={"new_item_popularity": share})
            for q in queries:
                top = [r.item for r in rec.recommend(q, n=10)]
                relevant = movies[q] & known
                every[share].append(NDCG10(top, Truth(relevant=frozenset(relevant))))
                shown[share].append(sum(i in new for i in top))
                if relevant & new:
                    fresh[share].append(NDCG10(top, Truth(relevant=frozenset(relevant & new))))

    base_all, base_new = np.asarray(every[0.0]), np.asarray(fresh[0.0])
    for share in SHARES:
        a, f = np.asarray(every[share]), np.asarray(fresh[share])
        lo, hi = interval(a - base_all, rng)
        flo, fhi = interval(f - base_new, rng)
        print(f"new_item_popularity {share:<4g}  all films ndcg@10 {a.mean():.4f} ({a.mean() - base_all.mean():+.4f} "
              f"[{lo:+.4f}, {hi:+.4f}], {a.size} queries)   new films ndcg@10 {f.mean():.4f} "
              f"({f.mean() - base_new.mean():+.4f} [{flo:+.4f}, {fhi:+.4f}], {f.size} queries)   "
              f"new films in the top 10: {np.mean(shown[share]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
