"""Write a MovieLens "latest" folder as plain `interactions.csv` + `items.csv` (columns
user,item,rating,ts and id,title,genres), the shape any `dayone evaluate FILE --items FILE`
reads, including versions of dayone older than its MovieLens-latest adapter. Used for paired
comparisons with older commits (docs/evaluation/README.md).

    python scripts/movielens_latest_as_files.py ../shared/data/ml-latest-small runs/mls
    dayone evaluate runs/mls/interactions.csv --items runs/mls/items.csv --domain movie --out DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def main(src: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ratings = pd.read_csv(src / "ratings.csv")
    ratings.rename(columns={"userId": "user", "movieId": "item", "timestamp": "ts"}).to_csv(
        out / "interactions.csv", index=False
    )
    movies = pd.read_csv(src / "movies.csv")
    movies.rename(columns={"movieId": "id"}).to_csv(out / "items.csv", index=False)
    print(f"wrote {out / 'interactions.csv'} ({len(ratings)} rows) and {out / 'items.csv'} ({len(movies)} rows)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: movielens_latest_as_files.py MOVIELENS_FOLDER OUT_FOLDER")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
