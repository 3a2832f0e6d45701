"""Does the phrasing of a visitor's sentence change what text retrieval finds?

A labelled text-to-item check that needs no ../shared: the demo catalogue's own user tags.
Each tag that people put on at least `--min-items` movies is a query ("time travel",
"dark comedy"); the movies carrying it are the relevant items. Items are described *without*
their tags (otherwise the tag would be in the text and the check would only test string
overlap). Each phrasing of the query is encoded with the default encoder and scored by
cosine ndcg@10; the difference between two phrasings is paired per query, with a bootstrap
interval, so "no worse" means something.

    python scripts/text_query_eval.py                 # template vs verbatim
    python scripts/text_query_eval.py --encoder hash  # a quick, meaningless smoke run
"""

from __future__ import annotations

import argparse
import collections
import sys
from collections.abc import Callable

import numpy as np

from dayone.demo.catalog import DEMO_DATA, load_demo_catalog
from dayone.descriptions.describer import Describer
from dayone.encoders import get_encoder
from dayone.evaluation.metrics import percentile_interval


def tag_queries(min_items: int) -> tuple[list[str], list[str], dict[str, set[str]]]:
    """(item ids, item texts without tags, tag -> ids of the movies carrying it)."""
    import csv

    catalog, _ = load_demo_catalog(with_tags=False)
    describer = Describer(domain="movie")
    ids = list(catalog.ids)
    texts = [describer.item(dict(catalog.fields(i))) for i in ids]
    known = set(ids)
    relevant: dict[str, set[str]] = collections.defaultdict(set)
    with open(DEMO_DATA / "tags.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["movieId"] in known:
                relevant[row["tag"].strip().lower()].add(row["movieId"])
    return ids, texts, {t: s for t, s in relevant.items() if len(s) >= min_items}


def ndcg_at_10(query_vecs: np.ndarray, item_vecs: np.ndarray, ids: list[str],
               relevant: list[set[str]]) -> np.ndarray:
    """Per-query ndcg@10 of a cosine ranking over every item."""
    top = np.argsort(-(query_vecs @ item_vecs.T), axis=1)[:, :10]
    out = np.zeros(len(relevant))
    for q, (row, rel) in enumerate(zip(top, relevant, strict=True)):
        gain = sum(1.0 / np.log2(r + 2) for r, j in enumerate(row) if ids[j] in rel)
        ideal = sum(1.0 / np.log2(r + 2) for r in range(min(10, len(rel))))
        out[q] = gain / ideal
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="default", help="encoder name (default: the packaged MiniLM)")
    parser.add_argument("--min-items", type=int, default=3, help="a tag must be on at least this many movies")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    args = parser.parse_args(argv)
    if args.min_items < 1:
        parser.error("--min-items must be >= 1")

    encoder = get_encoder(args.encoder)
    ids, texts, rel = tag_queries(args.min_items)
    tags = sorted(rel)
    describer = Describer(domain="movie")
    print(f"{len(tags)} tag queries over {len(ids)} movies (tags on >= {args.min_items} movies)")
    items = encoder.encode(texts, show_progress=True)
    phrasings: dict[str, Callable[[str], str]] = {
        "template": lambda t: describer.user(None, t),
        "verbatim": lambda t: describer.query(None, t),
    }
    scores = {}
    for name, phrase in phrasings.items():
        encode_query = getattr(encoder, "encode_query", encoder.encode)
        vecs = np.asarray(encode_query([phrase(t) for t in tags]), dtype=np.float32)
        scores[name] = ndcg_at_10(vecs, items, ids, [rel[t] for t in tags])
        print(f"{name:9s} e.g. {phrase(tags[0])!r:50s} ndcg@10 {scores[name].mean():.4f}")
    diff = scores["verbatim"] - scores["template"]
    rng = np.random.default_rng(args.seed)
    boots = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(2000)]
    lo, hi = percentile_interval(np.asarray(boots))
    print(f"verbatim - template: {diff.mean():+.4f}, 95% bootstrap interval [{lo:+.4f}, {hi:+.4f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
