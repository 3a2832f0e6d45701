"""Library hot paths on a large catalogue, against the bare-numpy floor in the same process.

Measures, on N synthetic items (default 100k) with the real default encoder for request text:
- recommend for a new user from text (encode the sentence + score every item + top-k),
- recommend for a known user (stored history, co-occurrence, priors), and the same with the
  taste factors switched off, to show what they cost,
- add one item (describe + encode + index) and the time until it is recommendable,
- yes/no answers for a known user on 10 items (`predict_likes`: scores and ranks every item),
- the text request again without the field-value match (`field_match=0`; each item carries
  2 of 20 genres and 3 of 2,000 tags, so a sentence is also matched against 2,020 value vectors
  and the best of each item's five is taken),
and prints each next to the floor it cannot beat: one matrix-vector product plus argpartition
over the same matrix (and, for text, the same single-sentence encode). The last line is
`ratio: <recommend-from-text p50 ÷ floor p50>` — how much the product's scoring costs over
the unavoidable work.

Item vectors are random unit vectors written straight into the index so the benchmark does
not spend minutes encoding 100k synthetic texts; only request-time encoding uses the model.

    python benchmarks/library_ops.py [--items 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from dayone.encoders import get_encoder, l2_normalise
from dayone.index import top_k
from dayone.recommender import Recommender, RecommenderConfig


def percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=2_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    encoder = get_encoder("default")
    rec = Recommender(RecommenderConfig(index="exact"), encoder)
    ids = [f"i{i}" for i in range(args.items)]
    vectors = l2_normalise(rng.normal(size=(args.items, encoder.dim)).astype(np.float32))
    genres = [f"genre {g}" for g in ["action", "comedy", "drama", "horror", "romance", "thriller", "documentary", "western", "music", "history", "war", "family", "fantasy", "mystery", "crime", "sport", "travel", "food", "science", "nature"]]
    adjectives = [f"adj{a}" for a in range(40)]
    tags = [f"{a} {n}" for a in adjectives for n in (f"noun{k}" for k in range(50))]
    for k, i in enumerate(ids):
        rec.catalog.upsert(i, {"title": f"synthetic item {i}",
                               "genres": [genres[k % 20], genres[(k * 7 + 3) % 20]],
                               "tags": [tags[int(t)] for t in rng.integers(0, len(tags), 3)]})
    rec.index.add(ids, vectors)
    t0 = time.perf_counter()
    rec._index_fields(ids)
    print(f"field values: {len(rec.field_values)} encoded and {args.items} items indexed in "
          f"{time.perf_counter() - t0:.1f}s")
    rec.population.ensure(args.items)
    # a skewed implicit log: 20 events per user over popular-ish items
    events = pd.DataFrame(
        {
            "user": np.repeat([f"u{u}" for u in range(args.users)], 20),
            "item": [ids[int(j)] for j in rng.zipf(1.3, size=args.users * 20) % args.items],
            "rating": rng.integers(1, 6, size=args.users * 20).astype(float),
        }
    )
    t0 = time.perf_counter()
    rec.add_interactions(events)
    rec.refit()
    print(f"catalogue: {args.items} items, {len(events)} events, refit {time.perf_counter() - t0:.1f}s")

    sentences = ["a quiet film about space", "cheap running shoes", "jazz for a rainy night", "news about elections"]
    encoder.encode(sentences)  # warm the model and the cache path
    timings: dict[str, list[float]] = {"floor-text": [], "text": [], "floor-user": [], "user": [],
                                       "user-no-taste": [], "likes": [], "add": [], "text-no-values": []}
    taste = rec.population.taste
    for r in range(args.requests):
        text = f"{sentences[r % len(sentences)]} #{r}"  # unique: no cache hits
        t = time.perf_counter()
        q = encoder.encode([text])[0]
        top_k(vectors @ q, 10)
        timings["floor-text"].append(time.perf_counter() - t)
        t = time.perf_counter()
        rec.recommend(f"{text}!", n=10)
        timings["text"].append(time.perf_counter() - t)
        rec.config = rec.config.model_copy(update={"field_match": 0.0})
        t = time.perf_counter()
        rec.recommend(f"{text}?", n=10)
        timings["text-no-values"].append(time.perf_counter() - t)
        rec.config = rec.config.model_copy(update={"field_match": 0.5})
        q = vectors[r]
        t = time.perf_counter()
        top_k(vectors @ q, 10)
        timings["floor-user"].append(time.perf_counter() - t)
        t = time.perf_counter()
        rec.recommend({"user_id": f"u{r % args.users}"}, n=10)
        timings["user"].append(time.perf_counter() - t)
        # the same request without the taste factors (recommender/taste.py), which score
        # every item no event has reached: here most of the catalogue
        rec.population.taste = None
        t = time.perf_counter()
        rec.recommend({"user_id": f"u{r % args.users}"}, n=10)
        timings["user-no-taste"].append(time.perf_counter() - t)
        rec.population.taste = taste
        t = time.perf_counter()
        rec.predict_likes({"user_id": f"u{r % args.users}"}, ids[r * 10 : r * 10 + 10])
        timings["likes"].append(time.perf_counter() - t)
        t = time.perf_counter()
        rec.add_items([{"id": f"new{r}", "title": f"brand new item {r} about {sentences[r % 4]}"}])
        rec.recommend({"history": [{"item": f"new{r}", "liked": True}]}, n=1)
        timings["add"].append(time.perf_counter() - t)

    for name in ("floor-text", "text", "text-no-values", "floor-user", "user", "user-no-taste", "likes", "add"):
        p50, p99 = percentiles(timings[name])
        print(f"{name:>14}: p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    text_ratio = percentiles(timings["text"])[0] / percentiles(timings["floor-text"])[0]
    user_ratio = percentiles(timings["user"])[0] / percentiles(timings["floor-user"])[0]
    likes_ratio = percentiles(timings["likes"])[0] / percentiles(timings["floor-user"])[0]
    print(f"known-user recommend over its floor: {user_ratio:.2f}x")
    taste_ratio = percentiles(timings["user"])[0] / percentiles(timings["user-no-taste"])[0]
    print(f"known-user recommend with taste factors over without: {taste_ratio:.2f}x")
    print(f"known-user predict_likes (10 items) over the same floor: {likes_ratio:.2f}x")
    values_ratio = percentiles(timings["text"])[0] / percentiles(timings["text-no-values"])[0]
    print(f"text recommend with field values over without: {values_ratio:.2f}x")
    print(f"ratio: {text_ratio:.2f}")


if __name__ == "__main__":
    main()
