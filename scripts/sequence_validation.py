"""Zero-shot sequence choices checked on a task's own train sequences (leave-last-out).

The zero-shot setting may not fit on interactions, so its few fixed choices (the history
penalty, the text terms) are checked here, once, on held-out last items of train sequences,
and on more than one domain (mls-seq from `scripts/variant_tasks.py`, films; scientific-seq,
products) so that a choice is kept only if it holds on both. Also prints word-overlap
(TF-IDF) similarity alone, to show why it is a learned feature of the trained blend and not
part of the zero-shot score (it wins on products and loses on films).

    python scripts/sequence_validation.py ../shared/bench/tasks/scientific-seq
    python scripts/sequence_validation.py runs/variants/mls-seq
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from dayone.bench.encoding import encode_cached, item_text
from dayone.encoders import get_encoder
from dayone.rankers.base import UserEvidence
from dayone.rankers.sasrec import ndcg10
from dayone.rankers.sequential import (
    HISTORY_PENALTY,
    LEXICAL_WEIGHT,
    SequentialRanker,
    zero_shot_score,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("task", type=Path)
    ap.add_argument("--users", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--encoder", default="default", help="a dayone.encoders.get_encoder name")
    args = ap.parse_args(argv)
    with open(args.task / "items.jsonl", encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh]
    index = {it["id"]: k for k, it in enumerate(items)}
    texts = [item_text(it) for it in items]
    by_user: dict[str, list[tuple[float, int]]] = {}
    with open(args.task / "train.jsonl", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            r = json.loads(line)
            by_user.setdefault(r["user"], []).append((float(r.get("ts", n)), index[r["item"]]))
    seqs = [np.array([i for _, i in sorted(v, key=lambda x: x[0])]) for v in by_user.values()]
    seqs = [s for s in seqs if len(s) >= 3]
    rng = np.random.default_rng(args.seed)
    pick = rng.choice(len(seqs), size=min(args.users, len(seqs)), replace=False)
    users = [
        UserEvidence(items=seqs[k][:-1], ratings=np.full(len(seqs[k]) - 1, np.nan)) for k in pick
    ]
    targets = np.array([seqs[k][-1] for k in pick])
    E = encode_cached(get_encoder(args.encoder), texts)
    ranker = SequentialRanker.fit(
        [it["id"] for it in items], None, E, "zero-shot", [], item_texts=texts
    )
    text_rows, lex_rows = ranker.fitted.text_batch(users), ranker.fitted.lexical_batch(users)
    assert text_rows is not None and lex_rows is not None
    feats = [
        ranker.fitted.features(
            u,
            len(items),
            (text_rows[0][r], text_rows[1][r]),
            None,
            (lex_rows[0][r], lex_rows[1][r]),
        )
        for r, u in enumerate(users)
    ]
    print(f"{args.task.name}: {len(users)} train sequences, last item held out")

    def score(**kw: float) -> float:
        return ndcg10(np.stack([zero_shot_score(F, **kw) for F in feats]), targets)  # type: ignore[arg-type]

    for penalty in (2.0, 10.0):
        print(
            f"  sentence encoder only, history penalty {penalty:>4}: ndcg@10 "
            f"{score(penalty=penalty, lexical_weight=0.0):.4f}"
        )
    for w in (0.25, 0.5, 1.0):
        tag = "  (the default)" if w == LEXICAL_WEIGHT else ""
        print(
            f"  + {w} x word overlap (TF-IDF), penalty {HISTORY_PENALTY}: ndcg@10 "
            f"{score(lexical_weight=w):.4f}{tag}"
        )
    inh = np.stack([F[:, 2] for F in feats])
    for name, S in (("sentence-encoder profile", text_rows[0]), ("TF-IDF profile", lex_rows[0])):
        print(f"  {name} alone (history last): ndcg@10 {ndcg10(S - 10 * inh, targets):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
