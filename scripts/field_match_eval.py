"""Does matching a sentence against each item's field values (genres, tags) beat matching
it against the whole description, and does asking for a film by name still find it?

`RecommenderConfig.field_match` mixes the two (index/field_values.py), and
`RecommenderConfig.title_lead` puts the items a sentence names by title first, and
`text_gate_power` sets how sharply the text gate favours the closest matches. This checks it on the
demo catalogue's user tags, split in two halves by a hash of the tag: the tags of one half
are the queries (the relevant items of "time travel" are the movies tagged with it), and the
items are described with their genres and their tags from the *other* half only, so a query
can be matched through related values ("sci-fi", "space") but never through itself. Each
half serves once as the queries. The full recommender (learned hand-over, popularity, text
gate) answers each query as a brand-new visitor's sentence, once per `field_match` setting;
per-query ndcg@10 is compared with `field_match=0`, no title lead and a linear gate (the
behaviour before the three), paired, with a bootstrap interval. "text alone" puts every weight on the sentence.

A second check asks for 200 of the 2000 most liked films by title ("The Magnificent Seven"):
hit@1 and hit@10 of that film, since a value match alone would lose named films.

    python scripts/field_match_eval.py            # both halves, about 3 minutes each
"""

from __future__ import annotations

import argparse
import collections
import csv
import re
import sys
import zlib

import numpy as np

from dayone.data import Catalog
from dayone.demo.catalog import DEMO_DATA, load_demo_catalog
from dayone.encoders import get_encoder
from dayone.evaluation.metrics import NDCG, Truth, percentile_interval
from dayone.recommender import Recommender, RecommenderConfig

NDCG10 = NDCG(10)
# (field_match, title_lead, text_gate_power); the first is the behaviour before all three
SETTINGS = ((0.0, False, 1.0), (0.0, True, 1.0), (0.25, True, 1.0), (0.5, True, 1.0), (0.75, True, 1.0),
            (0.5, False, 1.0), (0.5, True, 2.0), (0.5, True, 3.0))
Setting = tuple[float, bool, float]


def name(setting: Setting) -> str:
    return (f"field_match {setting[0]:g}, title_lead {'on' if setting[1] else 'off'}, "
            f"gate power {setting[2]:g}")


def configure(rec: Recommender, setting: Setting, **more: object) -> None:
    rec.config = rec.config.model_copy(update={
        "field_match": setting[0], "title_lead": setting[1], "text_gate_power": setting[2], **more})


def half(tag: str) -> int:
    return zlib.crc32(tag.encode("utf-8")) % 2


def tagged() -> tuple[dict[str, collections.Counter[str]], dict[str, set[str]]]:
    """(movie -> its tag counts, tag -> movies carrying it), lower-cased."""
    per_movie: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    movies: dict[str, set[str]] = collections.defaultdict(set)
    with open(DEMO_DATA / "tags.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            tag = row["tag"].strip().lower()
            per_movie[row["movieId"]][tag] += 1
            movies[tag].add(row["movieId"])
    return per_movie, movies


def parse_halves(parser: argparse.ArgumentParser, given: str) -> list[int]:
    """`--halves`: "0", "1" or "0,1" (which halves of the tags serve as queries)."""
    try:
        halves = [int(h) for h in given.split(",")]
    except ValueError:
        parser.error(f"--halves must be 0, 1 or 0,1, got {given!r}")
    if not halves or any(h not in (0, 1) for h in halves):
        parser.error(f"--halves must be 0, 1 or 0,1, got {given!r}")
    return halves


def described_by_other_half(catalog: Catalog, per_movie: dict[str, collections.Counter[str]], h: int) -> Catalog:
    """The catalogue with each movie's 8 most used tags of the *other* half as a `tags`
    field, so a query of half `h` is matched through related values, never through itself."""
    records = []
    for item_id in catalog.ids:
        fields = dict(catalog.fields(item_id))
        kept = [t for t, _ in per_movie[item_id].most_common() if half(t) != h][:8]
        if kept:
            fields["tags"] = kept
        records.append({"id": item_id, **fields})
    return Catalog.from_records(records)


def spoken_title(title: str) -> str:
    """"Magnificent Seven, The (1960)" -> "The Magnificent Seven", as a visitor types it."""
    t = re.sub(r"\s*\(\d{4}\)\s*$", "", title)
    return re.sub(r"^(.*), (The|A|An)$", r"\2 \1", t)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--halves", default="0,1", help="which halves of the tags serve as queries")
    parser.add_argument("--min-items", type=int, default=3, help="a query tag must be on at least this many movies")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap and title-sample seed")
    args = parser.parse_args(argv)
    halves = parse_halves(parser, args.halves)

    catalog, ratings = load_demo_catalog(with_tags=False)
    known = set(catalog.ids)
    per_movie, movies = tagged()
    encoder = get_encoder("default")
    rng = np.random.default_rng(args.seed)
    per_query: dict[str, list[float]] = collections.defaultdict(list)
    titles: dict[Setting, list[int]] = collections.defaultdict(list)
    for h in halves:
        queries = sorted(t for t, ms in movies.items() if len(ms & known) >= args.min_items and half(t) == h)
        rec = Recommender.build(described_by_other_half(catalog, per_movie, h), ratings,
                                config=RecommenderConfig(domain="movie"), encoder=encoder, show_progress=True)
        learned = list(rec.config.handover or [])
        text_only = {name: 0.0 for name in learned[0].model_dump()} | {"text": 1.0}
        print(f"half {h}: {len(queries)} tag queries, {len(rec.field_values)} field values", flush=True)
        for label, handover in (("", learned), ("text alone, ", [type(learned[0])(**text_only)] * len(learned))):
            for setting in SETTINGS:
                configure(rec, setting, handover=handover)
                for q in queries:
                    top = [r.item for r in rec.recommend(q, n=10)]
                    per_query[label + name(setting)].append(
                        NDCG10(top, Truth(relevant=frozenset(movies[q] & known))))
        rec.config = rec.config.model_copy(update={"handover": learned})
        liked = ratings[ratings["rating"] >= 4]["item"].value_counts()
        sample = rng.choice(np.asarray(liked.index[:2000]), 100, replace=False)
        for setting in SETTINGS:
            configure(rec, setting)
            for item_id in sample:
                top = [r.item for r in rec.recommend(spoken_title(catalog.title(str(item_id))), n=10)]
                titles[setting].append(top.index(str(item_id)) + 1 if str(item_id) in top else 11)

    for label in ("", "text alone, "):
        base = np.asarray(per_query[label + name(SETTINGS[0])])
        for setting in SETTINGS:
            scores = np.asarray(per_query[label + name(setting)])
            diff = scores - base
            boots = [diff[rng.integers(0, diff.size, diff.size)].mean() for _ in range(2000)]
            lo, hi = percentile_interval(np.asarray(boots))
            print(f"{label}{name(setting):52s} ndcg@10 {scores.mean():.4f}   vs before: {diff.mean():+.4f} "
                  f"[{lo:+.4f}, {hi:+.4f}]   ({diff.size} queries)")
    for setting, ranks in titles.items():
        r = np.asarray(ranks)
        print(f"title queries, {name(setting):52s} hit@1 {np.mean(r == 1):.3f}  hit@10 {np.mean(r <= 10):.3f}"
              f"  ({r.size} films)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
