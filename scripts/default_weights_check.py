"""The hand-set blend weights (no learned hand-over) against popularity on three logs.

The defaults of `BlendWeights` serve wherever no hand-over is learned (a small log, or
`learn_handover=False`). This runs the new-user protocol of `dayone evaluate` with the
hand-over switched off, for the defaults (history 0.8, co-occurrence 0.6) and the middle of
what the hand-over learns on these logs (0.4, 0.3), on a 300-user sample of ML-100K (with profiles),
an 800-user sample of Amazon Scientific (implicit, file order) and the packaged
ml-latest-small, and prints ndcg@10 minus popularity's per number of first picks.

    python scripts/default_weights_check.py [--shared ../shared] [--seeds 0 1]

The samples follow a fresh-eyes reviewer's conversion (seeded); data is read in place.
`--keep DIR --samples-only` writes them as files (ml100k/{interactions,items,users}.csv,
amazon/{interactions,items}.jsonl) for `dayone evaluate`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dayone.evaluation.config import EvalConfig
from dayone.evaluation.datasets import EvalData, detect_and_load
from dayone.evaluation.protocols import TrainingView
from dayone.evaluation.runner import evaluate_data
from dayone.evaluation.strategies import RecommenderStrategy, StrategyOptions
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.config import BlendWeights

VARIANTS: dict[str, dict[str, float]] = {"defaults": {}, "middle": {"history": 0.4, "cooccurrence": 0.3}}
GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
          "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
          "War", "Western"]


def fixed_weights(name: str, weights: dict[str, float]) -> type[RecommenderStrategy]:
    class Fixed(RecommenderStrategy):
        def __init__(self, view: TrainingView, opts: StrategyOptions) -> None:
            cfg = RecommenderConfig.model_validate({
                "encoder": opts.encoder, "domain": view.domain, "rating_threshold": view.positive_threshold,
                "learn_handover": False, "weights": BlendWeights(**weights).model_dump()})
            self.rec = Recommender.build(view.catalog, view.interactions, view.users, cfg,
                                         encoder=opts.get_encoder())

    Fixed.name = name
    return Fixed


def ml100k_sample(shared: Path, out: Path, rng: np.random.Generator) -> EvalData:
    src = shared / "data" / "ml-100k"
    d = pd.read_csv(src / "u.data", sep="\t", names=["user", "item", "rating", "ts"])
    users = rng.choice(d.user.unique(), 300, replace=False)
    d = d[d.user.isin(users)]
    it = pd.read_csv(src / "u.item", sep="|", header=None, encoding="latin-1")
    items = pd.DataFrame({"id": it[0], "title": it[1], "genres": [
        "|".join(g for g, f in zip(GENRES, r[5:24], strict=True) if f) for r in it.itertuples(index=False)]})
    items = items[items.id.isin(d.item.unique())]
    u = pd.read_csv(src / "u.user", sep="|", names=["id", "age", "gender", "occupation", "zip"])
    u = u[u.id.isin(users)].drop(columns="zip")
    out.mkdir(parents=True, exist_ok=True)
    d.to_csv(out / "interactions.csv", index=False)
    items.to_csv(out / "items.csv", index=False)
    u.to_csv(out / "users.csv", index=False)
    return detect_and_load(out / "interactions.csv", out / "items.csv", out / "users.csv", domain="movie")


def amazon_sample(shared: Path, out: Path, rng: np.random.Generator) -> EvalData:
    src = shared / "data" / "amazon-scientific-unisrec"
    asin = {v: k for k, v in (line.split("\t") for line in (src / "Scientific.item2index").read_text().split("\n") if line)}
    text = pd.read_csv(src / "Scientific.text", sep="\t", quoting=3)
    text.columns = ["id", "text"]
    seqs: dict[str, list[str]] = {}
    for line in (src / "Scientific.test.inter").read_text().split("\n")[1:]:
        if line:
            user, hist, target = line.split("\t")
            seqs[user] = [asin[x] for x in hist.split()] + [asin[target]]
    keep = rng.choice(sorted(seqs), 800, replace=False)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = [{"user": f"u{u}", "item": a} for u in keep for a in seqs[u]]
    used = {r["item"] for r in rows}
    (out / "interactions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (out / "items.jsonl").write_text("".join(
        json.dumps({"id": r.id, "title": str(r.text).split(". Industrial & Scientific")[0].strip(),
                    "text": str(r.text)}) + "\n" for r in text[text.id.isin(used)].itertuples()))
    return detect_and_load(out / "interactions.jsonl", out / "items.jsonl", domain="product")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--only", nargs="*", default=["ml100k", "amazon", "demo"])
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the samples' files here and keep them (for `dayone evaluate FILE --items ...`)")
    parser.add_argument("--samples-only", action="store_true", help="write the samples (--keep) and stop")
    args = parser.parse_args(argv)
    if not (args.shared / "data").is_dir():
        parser.error(f"{args.shared / 'data'} not found (give --shared)")
    if args.samples_only and args.keep is None:
        parser.error("--samples-only needs --keep DIR")
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(args.keep) if args.keep is not None else scratch
        if args.samples_only:
            ml100k_sample(args.shared, Path(tmp) / "ml100k", rng)
            amazon_sample(args.shared, Path(tmp) / "amazon", rng)
            print(f"wrote {tmp}/ml100k and {tmp}/amazon")
            return 0
        logs = {"ml100k": lambda: ml100k_sample(args.shared, Path(tmp) / "ml100k", rng),
                "amazon": lambda: amazon_sample(args.shared, Path(tmp) / "amazon", rng),
                "demo": lambda: detect_and_load("demo")}
        for key in args.only:
            data = logs[key]()
            for seed in args.seeds:
                cfg = EvalConfig(seed=seed, protocols=["new-user"], strategies=["popularity"], bootstrap=0)
                res = evaluate_data(data, cfg, progress=False,
                                    extra_strategies={n: fixed_weights(n, w) for n, w in VARIANTS.items()})
                wide = res.per_user.pivot_table(index=["setting", "request"], columns="strategy", values="ndcg@10")
                means = wide.groupby(level=0).mean()
                for name in VARIANTS:
                    means[name] = means[name] - means["popularity"]
                print(f"{key}, seed {seed}: ndcg@10 minus popularity's (popularity's own in its column)")
                print(means.round(4).to_string(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
