"""Load the packaged demo catalogue and build (or reload) its recommender.

MovieLens latest-small may be redistributed under its own terms (non-commercial, with
attribution; full text in ``data/README.txt``): F. Maxwell Harper and Joseph A. Konstan. 2015.
The MovieLens Datasets: History and Context. ACM TiiS 5, 4, Article 19.
The first build encodes ~9.7k descriptions (a progress bar shows it); the built recommender
is saved in the cache folder, so later runs load it in seconds.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections import Counter
from importlib import resources
from pathlib import Path

import pandas as pd

from dayone.data import (
    Catalog,
    InteractionMapping,
    ItemMapping,
    load_interactions,
    load_items,
    read_records,
)
from dayone.encoders import Encoder, default_cache_dir, get_encoder
from dayone.recommender import Recommender, RecommenderConfig

DEMO_DATA = Path(str(resources.files("dayone.demo").joinpath("data")))
_YEAR = re.compile(r"\((\d{4})\)\s*$")


def load_demo_catalog(with_tags: bool = True) -> tuple[Catalog, pd.DataFrame]:
    """The demo movies (title, year, genres, top user tags) and their 100k ratings."""
    catalog = load_items(
        DEMO_DATA / "movies.csv", ItemMapping(id="movieId", text=["title"], categorical=["genres"])
    )
    tags: dict[str, Counter[str]] = {}
    if with_tags:
        for rec in read_records(DEMO_DATA / "tags.csv"):
            tags.setdefault(str(rec["movieId"]), Counter())[str(rec["tag"]).strip().lower()] += 1
    for item_id in catalog.ids:
        fields = dict(catalog.fields(item_id))
        match = _YEAR.search(str(fields.get("title", "")))
        if match:
            fields["year"] = int(match.group(1))
        genres = fields.get("genres")
        if isinstance(genres, str):
            fields["genres"] = [] if genres == "(no genres listed)" else [genres]
        if item_id in tags:
            fields["tags"] = [t for t, _ in tags[item_id].most_common(8)]
        catalog.upsert(item_id, fields)
    ratings = load_interactions(
        DEMO_DATA / "ratings.csv",
        InteractionMapping(user="userId", item="movieId", rating="rating", ts="timestamp"),
        catalog=catalog,
    )
    return catalog, ratings


def build_demo_recommender(
    encoder: Encoder | None = None,
    cache_dir: str | Path | None = None,
    show_progress: bool = True,
    rebuild: bool = False,
) -> Recommender:
    """The demo recommender, from the saved copy when one matches the encoder."""
    enc = encoder or get_encoder("default", cache_dir=cache_dir)
    safe_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", enc.model_id)
    saved = Path(cache_dir or default_cache_dir()) / "demo" / safe_id
    if saved.exists() and not rebuild:
        try:
            rec = Recommender.load(str(saved), encoder=enc)
        except Exception:  # a stale or partial copy: rebuild it below
            pass
        else:
            if rec.handover_report.get("relearned_on_load"):  # saved by an older version
                with contextlib.suppress(OSError):  # a read-only cache: serve the re-learned copy
                    rec.save(str(saved))
            return rec
    if saved.exists():
        # the cache's own copy, stale, damaged or asked to be rebuilt: a save refuses to
        # replace a folder that is not a saved model, so clear it first (it is ours)
        if saved.is_dir():
            shutil.rmtree(saved)
        else:
            saved.unlink()
    catalog, ratings = load_demo_catalog()
    rec = Recommender.build(
        catalog, ratings, config=RecommenderConfig(domain="movie"), encoder=enc, show_progress=show_progress
    )
    rec.save(str(saved))
    return rec
