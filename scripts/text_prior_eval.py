"""How much should a visitor's sentence lead, against what the population already says?

The learned hand-over cannot weigh free text (logs carry no sentences), so the text weight is
a fixed multiple of the strongest learned prior (`handover.TEXT_LEAD`), and with `text_gate`
the priors count only as far as an item matches the sentence. This checks both on labelled
text queries: the demo catalogue's user tags ("time travel", "dark
comedy"), each a query whose relevant items are the movies carrying it. Items are described
*without* tags, and the full recommender (learned hand-over, popularity, similar users) answers
each query as a brand-new visitor's sentence. Per query ndcg@10; each setting is compared
with the current one, paired per query, with a bootstrap interval.

Caveat, said up front: people tag films they watched, so tagged films lean popular, and the
taggers' ratings are part of the population. A prior therefore earns some credit here that a
sentence from a stranger might not give it; read the figures as "how much the prior helps
when the sentence and the crowd agree on what matters", not as the truth about every query.

    python scripts/text_prior_eval.py
    python scripts/text_prior_eval.py --examples   # also the demo's lists, before and now
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from dayone.demo.catalog import load_demo_catalog
from dayone.encoders import get_encoder
from dayone.evaluation.metrics import NDCG, Truth, percentile_interval
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.handover import TEXT_LEAD

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from text_query_eval import tag_queries  # noqa: E402

NDCG10 = NDCG(10)


def ndcg10(ranked: list[str], rel: set[str]) -> float:
    return NDCG10(ranked, Truth(relevant=frozenset(rel)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="default", help="encoder name (default: the packaged MiniLM)")
    parser.add_argument("--min-items", type=int, default=3, help="a tag must be on at least this many movies")
    parser.add_argument("--factors", default="1,2,4,0.5", help="text weight as multiples of the current one")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--examples", action="store_true",
                        help="print the demo recommender's top 5 for a few sentences, old rule and now")
    args = parser.parse_args(argv)
    if args.min_items < 1:
        parser.error("--min-items must be >= 1")
    try:
        factors = [float(f) for f in args.factors.split(",")]
    except ValueError:
        parser.error(f"--factors must be comma-separated numbers, got {args.factors!r}")

    _, _, rel = tag_queries(args.min_items)
    tags = sorted(rel)
    catalog, ratings = load_demo_catalog(with_tags=False)
    rec = Recommender.build(catalog, ratings, config=RecommenderConfig(domain="movie"),
                            encoder=get_encoder(args.encoder), show_progress=True)
    assert rec.config.handover is not None, "the demo data always learns a hand-over"
    learned = list(rec.config.handover)
    print(f"{len(tags)} tag queries; learned bucket-0 weights: {learned[0].model_dump()}")

    def run(handover: list) -> np.ndarray:  # type: ignore[type-arg]
        rec.config = rec.config.model_copy(update={"handover": handover})
        return np.array([ndcg10([r.item for r in rec.recommend(t, n=10)], rel[t]) for t in tags])

    results: dict[str, np.ndarray] = {}
    for gate in (True, False):
        rec.config = rec.config.model_copy(update={"text_gate": gate})
        for f in factors:
            results[f"{'gate' if gate else 'no gate'}, text x{f:g}"] = run(
                [w.model_copy(update={"text": w.text * f}) for w in learned]
            )
    # the rule before: text at the configured text/popularity ratio (1 / 0.35) times the
    # strongest prior, no gate
    old = RecommenderConfig().weights.text / RecommenderConfig().weights.popularity / TEXT_LEAD
    results[f"no gate, text x{old:.3g} (before)"] = run([w.model_copy(update={"text": w.text * old}) for w in learned])
    text_only = {name: 0.0 for name in learned[0].model_dump()} | {"text": 1.0}
    results["text alone"] = run([type(learned[0])(**text_only)] * len(learned))
    rec.config = rec.config.model_copy(update={"handover": learned, "text_gate": True})

    first = f"gate, text x{factors[0]:g}"
    base = results[first]
    rng = np.random.default_rng(args.seed)
    for name, scores in results.items():
        diff = scores - base
        boots = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(2000)]
        lo, hi = percentile_interval(np.asarray(boots))
        print(f"{name:32s} ndcg@10 {scores.mean():.4f}   vs {first}: {diff.mean():+.4f} [{lo:+.4f}, {hi:+.4f}]")
    if args.examples:
        show_examples(old)
    return 0


EXAMPLES = ("slow-burn sci-fi, nothing gory", "dark psychological thriller", "time travel")


def show_examples(old: float) -> None:
    """The `dayone demo` recommender (tags in the item texts) under the rule before and now."""
    from dayone.demo import build_demo_recommender

    demo = build_demo_recommender(show_progress=False)
    learned = list(demo.config.handover or [])
    before = [w.model_copy(update={"text": w.text * old}) for w in learned]
    even = [w.model_copy(update={"text": w.text / TEXT_LEAD}) for w in learned]  # 1 x the prior
    for label, handover, gate in (("before", before, False), ("1x, no gate", even, False), ("now", learned, True)):
        demo.config = demo.config.model_copy(update={"handover": handover, "text_gate": gate})
        for sentence in EXAMPLES:
            titles = [demo.catalog.title(r.item) for r in demo.recommend(sentence, n=5)]
            print(f"{label:11s} {sentence!r}: " + " | ".join(titles))


if __name__ == "__main__":
    sys.exit(main())
