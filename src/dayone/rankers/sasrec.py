"""A small SASRec (Kang & McAuley 2018): causal self-attention over the last items of a sequence.

Why a learned sequence model next to the counting strategies: transitions and EASE see only
"a then b" pairs or the bag of history, while the next purchase often depends on the *order*
of several recent items (a tool, then its consumables, then a refill). A two-block causal
transformer reads the whole recent sequence and is trained for exactly the task's objective,
next-item prediction.

Design choices, all for a small catalogue (thousands of items) and CPU-only training:
- Item vectors fuse a learned id embedding with a learned projection of the frozen text
  embedding (MiniLM), so the many items with one or two purchases still get a sensible vector
  from their text; the same vectors score the output (tied weights, as in SASRec).
- Full softmax cross-entropy over the whole catalogue at every position (no negative
  sampling: 4-5k items is cheap, and sampled losses are known to underrate SASRec).
- Right padding with a causal mask: a real position attends only to real earlier positions,
  so no attention row is empty; the prediction for a history is read at its last position.
- A fixed epoch budget with early stopping on held-out next items, chosen by the caller on a
  split of the training sequences (never on evaluation data).

torch is an optional extra: `available()` says whether this module can be used, and callers
skip the feature when it cannot.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def available() -> bool:
    """True when torch can be imported (the `[torch]` extra is installed)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class SASRecConfig:
    """Hyper-parameters; the defaults are sized for ~10k short sequences on one CPU core."""

    dim: int = 128
    layers: int = 1
    heads: int = 2
    dropout: float = 0.5
    max_len: int = 50
    lr: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 128
    max_epochs: int = 40
    patience: int = 4
    max_seconds: float = 180.0  # hard cap on one training run's wall time
    ids: bool = True  # learn a free vector per item on top of its projected text
    text_mlp: bool = False  # project the text vector by a two-layer MLP instead of a linear map
    # add a fixed-form text prior to the logits (learned scales of the cosine to a
    # recency-weighted history profile and to the last item, plus a per-item bias started at
    # log popularity), so the transformer learns what the text and popularity do not say
    text_prior: bool = True
    prior_decay: float = 0.6


def _build_module(
    n_items: int, text: np.ndarray | None, cfg: SASRecConfig, log_pop: np.ndarray
) -> Any:
    import torch
    from torch import nn

    class _Net(nn.Module):
        text: Any  # buffers: the text vectors (row 0 = padding) and their unit-length copies
        unit: Any

        def __init__(self) -> None:
            super().__init__()
            # index 0 is padding; item k is row k + 1
            self.item = nn.Embedding(n_items + 1, cfg.dim, padding_idx=0)
            nn.init.normal_(self.item.weight, std=0.02)
            with torch.no_grad():
                self.item.weight[0].zero_()
            self.item.weight.requires_grad_(cfg.ids or text is None)
            if not (cfg.ids or text is None):
                with torch.no_grad():
                    self.item.weight.zero_()
            if text is not None:
                t = torch.as_tensor(np.asarray(text, dtype=np.float32))
                self.register_buffer("text", torch.cat([torch.zeros(1, t.shape[1]), t], 0))
                self.proj: nn.Module | None = (
                    nn.Sequential(
                        nn.Linear(t.shape[1], cfg.dim * 2),
                        nn.GELU(),
                        nn.Linear(cfg.dim * 2, cfg.dim, bias=False),
                    )
                    if cfg.text_mlp
                    else nn.Linear(t.shape[1], cfg.dim, bias=False)
                )
            else:
                self.proj = None
            self.pos = nn.Embedding(cfg.max_len, cfg.dim)
            layer = nn.TransformerEncoderLayer(
                cfg.dim,
                cfg.heads,
                dim_feedforward=cfg.dim * 2,
                dropout=cfg.dropout,
                batch_first=True,
                norm_first=True,
            )
            self.blocks = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(cfg.dim)
            self.drop = nn.Dropout(cfg.dropout)
            self.prior = cfg.text_prior and text is not None
            if self.prior:
                unit = self.text / self.text.norm(dim=1, keepdim=True).clamp_min(1e-8)
                self.register_buffer("unit", unit)
                # profile, last item, already in the prefix (an item is its own nearest
                # neighbour, and repeats are rare)
                self.scale = nn.Parameter(torch.tensor([5.0, 2.0, -5.0]))
                self.bias = nn.Parameter(torch.as_tensor(log_pop, dtype=torch.float32))

        def prior_query(self, seq: Any) -> Any:
            """Per position: the normalised recency-weighted profile of the prefix and the
            last item's unit text vector, each times its learned scale (batch, L, 2, dim)."""
            L = seq.shape[1]
            t = self.unit[seq]
            age = torch.arange(L)[:, None] - torch.arange(L)[None, :]
            D = torch.where(age >= 0, cfg.prior_decay ** age.clamp_min(0).float(), 0.0)
            prof = D @ t
            prof = prof / prof.norm(dim=-1, keepdim=True).clamp_min(1e-8)
            return torch.stack([prof * self.scale[0], t * self.scale[1]], dim=2)

        def logits(self, h: Any, table: Any, q: Any | None, prefix: Any | None) -> Any:
            """Next-item logits for hidden states h (n, dim), prior queries q (n, 2, d) and
            the prefixes (n, L) of item indices + 1 (0 = not part of the prefix)."""
            out = h @ table[1:].T
            if q is not None and prefix is not None:
                out = out + q.sum(dim=1) @ self.unit[1:].T + self.bias
                seen = torch.zeros(out.shape[0], out.shape[1] + 1)
                seen.scatter_(1, prefix, 1.0)
                out = out + self.scale[2] * seen[:, 1:]
            return out

        def item_table(self) -> Any:
            """Vectors of all items incl. padding row 0: id embedding + projected text."""
            w = self.item.weight
            if self.proj is not None:
                w = w + self.proj(self.text)
            return w

        def hidden(self, seq: Any) -> Any:
            """seq: (batch, length) item indices + 1, right-padded with 0."""
            table = self.item_table()
            L = seq.shape[1]
            x = table[seq] * (cfg.dim**0.5) + self.pos(torch.arange(L, device=seq.device))
            x = self.drop(x)
            mask = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
            h = self.blocks(x, mask=mask, is_causal=True)
            q = self.prior_query(seq) if self.prior else None
            return self.norm(h), table, q

    return _Net()


def _batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Index batches of similar length (little padding), in random order."""
    order = np.lexsort((rng.random(len(lengths)), lengths))
    out = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    rng.shuffle(out)
    return out


def _pad(seqs: Sequence[np.ndarray], max_len: int) -> np.ndarray:
    L = max(1, max(min(len(s), max_len) for s in seqs))
    out = np.zeros((len(seqs), L), dtype=np.int64)
    for r, s in enumerate(seqs):
        s = s[-max_len:]
        out[r, : len(s)] = s + 1
    return out


@dataclass
class SASRec:
    """A trained model; `score_batch` gives next-item logits over the whole catalogue."""

    source = "sasrec"
    net: Any
    n_items: int
    cfg: SASRecConfig
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        sequences: Sequence[np.ndarray],
        n_items: int,
        text: np.ndarray | None = None,
        cfg: SASRecConfig | None = None,
        seed: int = 0,
        val: tuple[Sequence[np.ndarray], np.ndarray] | None = None,
        epochs: int | None = None,
    ) -> SASRec:
        """Train next-item prediction on `sequences` (item indices, oldest first).

        With `val` = (histories, next items), keep the epoch with the best NDCG@10 on it and
        stop after `patience` epochs without improvement; with `epochs`, train exactly that
        many (the final refit on all data, using the epoch count found with `val`).
        """
        import torch
        import torch.nn.functional as F

        cfg = cfg or SASRecConfig()
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        counts = np.bincount(np.concatenate([np.asarray(s) for s in sequences]), minlength=n_items)
        log_pop = np.log1p(counts) - np.log1p(counts).mean()
        net = _build_module(n_items, text, cfg, log_pop)
        opt = torch.optim.Adam(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        # one training row per sequence: inputs s[:-1], targets s[1:] (last max_len+1 items)
        rows = [np.asarray(s[-(cfg.max_len + 1) :], dtype=np.int64) for s in sequences]
        rows = [s for s in rows if len(s) >= 2]
        lengths = np.array([len(s) for s in rows])
        budget = epochs if epochs is not None else cfg.max_epochs
        best, best_epoch, best_state, curve = -1.0, 0, None, []
        t0 = time.perf_counter()
        for epoch in range(1, budget + 1):
            net.train()
            total, count = 0.0, 0
            for idx in _batches(lengths, cfg.batch_size, rng):
                batch = [rows[k] for k in idx]
                inp = torch.as_tensor(_pad([s[:-1] for s in batch], cfg.max_len))
                tgt = torch.as_tensor(_pad([s[1:] for s in batch], cfg.max_len)) - 1
                h, table, q = net.hidden(inp)
                keep = tgt >= 0
                L = inp.shape[1]
                upto = torch.arange(L)[None, :, None] >= torch.arange(L)[None, None, :]
                prefix = torch.where(upto, inp[:, None, :], 0)  # (batch, t, j): item j <= t
                logits = net.logits(h[keep], table, None if q is None else q[keep], prefix[keep])
                loss = F.cross_entropy(logits, tgt[keep])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * int(keep.sum())
                count += int(keep.sum())
            entry: dict[str, float] = {"epoch": epoch, "loss": round(total / max(count, 1), 4)}
            if val is not None:
                model = cls(net, n_items, cfg)
                metric = ndcg10(model.score_batch(val[0]), val[1])
                entry["val_ndcg@10"] = round(metric, 4)
                if metric > best:
                    best, best_epoch = metric, epoch
                    best_state = copy.deepcopy(net.state_dict())
            curve.append(entry)
            if val is not None and epoch - best_epoch >= cfg.patience:
                break
            if time.perf_counter() - t0 > cfg.max_seconds:
                break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        info = {
            "epochs_run": len(curve),
            "best_epoch": best_epoch if val is not None else len(curve),
            "val_ndcg@10": round(best, 4) if val is not None else None,
            "seconds": round(time.perf_counter() - t0, 1),
            "curve": curve,
        }
        return cls(net, n_items, cfg, info)

    def score_batch(self, histories: Sequence[np.ndarray], batch_size: int = 512) -> np.ndarray:
        """Next-item logits (users x items); an empty history scores all zeros."""
        import torch

        out = np.zeros((len(histories), self.n_items), dtype=np.float32)
        was_training = self.net.training
        self.net.eval()
        with torch.no_grad():
            for lo in range(0, len(histories), batch_size):
                chunk = [np.asarray(h, dtype=np.int64) for h in histories[lo : lo + batch_size]]
                live = [r for r, h in enumerate(chunk) if len(h)]
                if not live:
                    continue
                seqs = [chunk[r] for r in live]
                inp = torch.as_tensor(_pad(seqs, self.cfg.max_len))
                last = torch.as_tensor([min(len(s), self.cfg.max_len) - 1 for s in seqs])
                h, table, q = self.net.hidden(inp)
                rows = torch.arange(len(seqs))
                qf = None if q is None else q[rows, last]
                scores = self.net.logits(h[rows, last], table, qf, inp)
                out[[lo + r for r in live]] = scores.numpy()
        if was_training:
            self.net.train()
        return out


def ndcg10(scores: np.ndarray, targets: np.ndarray) -> float:
    """Mean NDCG@10 with one relevant item per row (full catalogue, nothing masked)."""
    if not len(targets):
        return 0.0
    t = scores[np.arange(len(targets)), targets]
    rank = (scores > t[:, None]).sum(axis=1)
    return float(np.where(rank < 10, 1.0 / np.log2(rank + 2.0), 0.0).mean())
