"""What a shop's visitor sees: sentence lists on 2,000 Amazon "Industrial & Scientific"
products, and where a brand-new product lands for sentences that describe it.

There is no labelled product query set here, so this prints lists to be read, not scores.
It rebuilds the sample a fresh-eyes review used (docs/text_queries.md): the 2,000 products
most present in the UniSRec test sequences, each with its title, its flattened category and
its brand (split out of `Scientific.text`, "title. Industrial & Scientific … . brand."), and
every sequence's purchases of them as interactions in order. The library builds on it
(`domain="product"`, no similar-beginnings networks, to keep it to a minute), answers a few
sentences, then adds a pair of lab safety goggles with a category path and prints its rank
of 2,001 for four paraphrases.

    python scripts/product_lists.py ../shared/data/amazon-scientific-unisrec

Run the code before a change the same way (`PYTHONPATH=<old checkout>/src`) to compare.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import pandas as pd

from dayone.data import Catalog, DataError
from dayone.recommender import Recommender, RecommenderConfig

QUERIES = ("digital caliper", "cordless drill batteries", "lab safety goggles", "soldering iron",
           "ph meter for pool water", "gorilla glue", "j-b weld epoxy")
NEW_ITEM = {"id": "new-goggle-1",
            "title": "Chemical Splash Safety Goggles, Anti-Fog, Indirect Vent, for Laboratory Use",
            "category": "Occupational Health & Safety Products > Personal Protective Equipment > "
                        "Eye Protection > Safety Goggles",
            "brand": "LabSafe"}
PARAPHRASES = ("chemical splash safety goggles for the lab", "anti-fog laboratory goggles", "eye protection",
               "lab safety goggles")


def split_text(text: str) -> tuple[str, str, str]:
    """("title", "category", "brand") of one `Scientific.text` entry."""
    k = text.find(". Industrial & Scientific")
    if k < 0:
        return text.rstrip("."), "", ""
    parts = text[k + 2:].rstrip(" .").rsplit(". ", 1)
    category = parts[0].replace("Industrial & Scientific ", "", 1)
    return text[:k], category, parts[1] if len(parts) > 1 else ""


def sample(folder: Path, n_items: int) -> tuple[Catalog, pd.DataFrame]:
    for name in ("Scientific.item2index", "Scientific.text", "Scientific.test.inter"):
        if not (folder / name).is_file():
            raise DataError("missing file (expected the amazon-scientific-unisrec folder)", file=str(folder / name))
    with open(folder / "Scientific.item2index") as fh:
        asin = dict(line.rstrip("\n").split("\t")[::-1] for line in fh)
    with open(folder / "Scientific.text") as fh:
        next(fh)
        text = dict(line.rstrip("\n").split("\t", 1) for line in fh)
    with open(folder / "Scientific.test.inter") as fh:
        next(fh)
        seqs = {u: s.split() + [t] for u, s, t in (line.rstrip("\n").split("\t") for line in fh)}
    counts = collections.Counter(i for s in seqs.values() for i in s)
    top = [i for i, _ in counts.most_common(n_items)]
    records = []
    for i in top:
        title, category, brand = split_text(text[asin[i]].strip())
        records.append({"id": asin[i], "title": title, "category": category, "brand": brand})
    keep = set(top)
    rows = [{"user": u, "item": asin[i], "ts": float(k)} for u, s in seqs.items() for k, i in enumerate(s) if i in keep]
    return Catalog.from_records(records), pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="the amazon-scientific-unisrec folder")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--n", type=int, default=6, help="list length shown")
    args = parser.parse_args(argv)
    try:
        catalog, log = sample(args.data, args.items)
    except DataError as exc:
        parser.error(str(exc))
    rec = Recommender.build(catalog, log, config=RecommenderConfig(domain="product", beginnings=False))
    print(f"{len(catalog)} products, {len(log)} purchases")
    for q in QUERIES:
        print(f"\n{q}")
        for r in rec.recommend(q, n=args.n):
            print(f"  {catalog.title(r.item)[:70]}  [{r.source}]")
    rec.add_items([NEW_ITEM])
    print(f"\na new product, {NEW_ITEM['title']!r}, ranks (of {len(catalog) + 1}):")
    for q in PARAPHRASES:
        ranked = [r.item for r in rec.recommend(q, n=len(catalog) + 1)]
        print(f"  {ranked.index(NEW_ITEM['id']) + 1:>4}  for {q!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
