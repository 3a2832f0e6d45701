"""Run `dayone evaluate` with other constants for the like probability (recommender/likes.py).

`Recommender.predict_likes` adds the user's like rate, shrunk towards the log's by
`PRIOR_STRENGTH` pseudo-picks, and `STANDING_WEIGHT` times the log-odds of the item's
standing in the user's ranking. The two were chosen on MovieLens latest-small's few-shot
split (docs/evaluation/README.md); this reruns that choice, or checks it on your own data:

    python scripts/movielens_latest_as_files.py ../shared/data/ml-latest-small runs/mls
    python scripts/likes_constants.py 0.25 2 evaluate runs/mls/interactions.csv \\
        --items runs/mls/items.csv --domain movie --out runs/likes-0.25-2 -s dayone -p few-shot
"""

from __future__ import annotations

import sys

import dayone.recommender.likes as likes


def main(argv: list[str]) -> None:
    if len(argv) < 3:
        raise SystemExit(__doc__)
    weight, strength = float(argv[0]), float(argv[1])
    # the standing's weight is read at call time; shrunk_rate's default is bound when the
    # function is defined, so rebind it. A learned hand-over fits its own weights
    # (`likes.fit_like_weights`), pulled towards these.
    likes.STANDING_WEIGHT = weight
    likes.shrunk_rate.__defaults__ = (strength,)
    from dayone.cli.main import main as dayone

    sys.argv = ["dayone", *argv[2:]]
    dayone()


if __name__ == "__main__":
    main(sys.argv[1:])
