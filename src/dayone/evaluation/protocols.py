"""Evaluation protocols: seeded splits of one dataset into what a system may fit on and what
it must answer.

Every protocol yields `Split`s: a `TrainingView` (the only data a strategy is built from) and
request-shaped cases in the bench format (FORMAT.md), with the truth kept beside them, never
inside the request. The new-user and new-item splits follow `../shared/bench/make_tasks.py`
(first round(f*n) ids of ``default_rng(seed).permutation`` over ids sorted numerically; time
ties broken by ``default_rng(seed).random(rows)``), so on ML-100K with seed 0 they reproduce
the bench's ml100k-newuser-k* and ml100k-newitem tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from dayone.data import Catalog, UserTable
from dayone.evaluation.config import EvalConfig
from dayone.evaluation.datasets import EvalData, positive_mask
from dayone.evaluation.metrics import Truth
from dayone.evaluation.scoring import RequestSpec, make_truth


@dataclass
class TrainingView:
    """What a strategy may fit on for one split. Held-out users' profiles stay in `users`
    (a profile is known at sign-up); their interactions do not."""

    catalog: Catalog
    interactions: pd.DataFrame
    users: UserTable
    domain: str = "generic"
    examples: list[dict[str, Any]] = field(default_factory=list)
    positive_threshold: float | None = None

    def evidence(self) -> pd.DataFrame:
        """Interactions plus the labelled examples' histories and targets, for strategies
        that count co-occurrence or popularity (few-shot splits have no other evidence)."""
        if not self.examples:
            return self.interactions
        rows = []
        for ex in self.examples:
            uid = str((ex.get("user") or {}).get("id", ex.get("id")))
            for h in ex.get("history", []):
                rows.append(
                    {
                        "user": uid,
                        "item": h["item"],
                        "liked": h.get("liked"),
                        "rating": h.get("rating"),
                    }
                )
            if ex.get("target") is not None:
                rows.append(
                    {
                        "user": uid,
                        "item": ex["target"],
                        "liked": bool(ex.get("label")),
                        "rating": None,
                    }
                )
        extra = pd.DataFrame(rows)
        for c in ("weight", "ts"):
            extra[c] = np.nan
        extra["liked"] = extra["liked"].map(lambda v: np.nan if v is None else float(bool(v)))
        extra["rating"] = pd.to_numeric(extra["rating"], errors="coerce")
        return pd.concat([self.interactions, extra[self.interactions.columns]], ignore_index=True)


@dataclass
class Case:
    """One request with its truth (ranking) or label (binary)."""

    request: dict[str, Any]
    spec: RequestSpec
    user: str
    truth: Truth | None = None
    label: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Split:
    protocol: str
    kind: Literal["ranking", "binary"]
    view: TrainingView
    groups: dict[str, list[Case]]
    known: dict[str, float]  # setting -> number of interactions the system knows per user
    metrics: list[str]
    new_items: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def sort_ids(ids: list[str]) -> list[str]:
    """Numeric order when every id is an integer (as the bench does), else string order."""
    if all(i.lstrip("-").isdigit() for i in ids):
        return sorted(ids, key=int)
    return sorted(ids)


def cold_split(ids: list[str], seed: int, fraction: float) -> list[str]:
    """The first round(fraction * n) ids of default_rng(seed).permutation(sorted ids), in
    sorted order."""
    ordered = sort_ids(ids)
    perm = np.random.default_rng(seed).permutation(len(ordered))
    n_cold = int(round(fraction * len(ordered)))
    chosen = {ordered[i] for i in perm[:n_cold]}
    return [i for i in ordered if i in chosen]


def chronological(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Rows sorted by user, time, then a seeded random number per row (file order), so
    same-second ties do not favour low item ids."""
    tb = np.random.default_rng(seed).random(len(df))
    return df.assign(_tb=tb).sort_values(["user", "ts", "_tb"], kind="mergesort")


def history_entry(row: Any) -> dict[str, Any]:
    h: dict[str, Any] = {"item": row.item}
    if not pd.isna(row.rating):
        r = float(row.rating)
        h["rating"] = int(r) if r.is_integer() else r
    if not pd.isna(row.weight):
        h["weight"] = float(row.weight)
    if not pd.isna(row.liked):
        h["liked"] = bool(row.liked)
    return h


def age_band(age: Any) -> str | None:
    try:
        a = float(age)
    except (TypeError, ValueError):
        return None
    for hi, label in ((18, "<18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (56, "45-55")):
        if a < hi:
            return label
    return "56+"


def group_attributes(users: UserTable, uid: str) -> dict[str, Any]:
    prof = users.get(uid)
    if prof is None:
        return {}
    attrs = dict(prof.attributes)
    if "age" in attrs and "age_band" not in attrs:
        band = age_band(attrs["age"])
        if band:
            attrs["age_band"] = band
    return attrs


def user_payload(users: UserTable, uid: str) -> dict[str, Any]:
    prof = users.get(uid)
    out: dict[str, Any] = {"id": uid}
    if prof is not None:
        if prof.attributes:
            out["attributes"] = dict(prof.attributes)
        if prof.text:
            out["text"] = prof.text
    return out


def _with_positive(data: EvalData, cfg: EvalConfig) -> pd.DataFrame:
    """The interactions with a ``_pos`` column, so every protocol calls the same rows
    positive (`positive_mask` under the configured threshold)."""
    return data.interactions.assign(_pos=positive_mask(data.interactions, cfg.positive_threshold))


def _held_out_users(
    data: EvalData, cfg: EvalConfig, df: pd.DataFrame
) -> tuple[list[str], list[str], pd.DataFrame]:
    """Every user (id order), the seeded new-user hold-out (id order) and the interactions of
    the users that are kept. The few-shot protocol tests on the same held-out users as the
    new-user one, so both draw them here and cannot drift apart."""
    users = sort_ids(df["user"].unique().tolist())
    if cfg.new_user.by_time:
        if not data.has_timestamps:
            raise ValueError("new_user.by_time needs timestamps, and this data has none "
                             "(file order is no clock across users)")
        first = df.groupby("user")["ts"].min()
        # latest arrivals last; the seeded number breaks same-second ties
        tie = pd.Series(np.random.default_rng(cfg.seed).random(len(first)), index=first.index)
        order = pd.DataFrame({"first": first, "tie": tie}).sort_values(["first", "tie"]).index.tolist()
        n_held = max(1, round(cfg.new_user.fraction * len(order)))
        held = sort_ids([str(u) for u in order[-n_held:]])
        held_set = set(held)
        cut = float(first.loc[list(held_set)].min())
        keep = ~data.interactions["user"].isin(held_set) & (data.interactions["ts"] < cut)
        train = data.interactions[keep].reset_index(drop=True)
        return users, held, train
    held = cold_split(users, cfg.seed, cfg.new_user.fraction)
    held_set = set(held)
    train = data.interactions[~data.interactions["user"].isin(held_set)].reset_index(drop=True)
    return users, held, train


def _unseen_positives(hist: pd.DataFrame, test_rows: pd.DataFrame) -> list[str]:
    """The positive items of ``test_rows`` that are not in ``hist``, in first-seen order
    without repeats: what a catalogue-wide ranking (history excluded) can still find. The
    new-user and warm protocols judge their held-back interactions by this one rule."""
    hist_items = set(hist["item"])
    return list(
        dict.fromkeys(
            i
            for i, p in zip(test_rows["item"], test_rows["_pos"], strict=True)
            if p and i not in hist_items
        )
    )


def _ranking_case(
    data: EvalData,
    catalogue: dict[str, int],
    user: str,
    request_id: str,
    history: list[dict[str, Any]],
    candidates: list[str] | None,
    n: int,
    relevant: list[str],
    negative: list[str],
) -> Case:
    """One bench-format ranking request with its truth. The request's shape, the user
    payload and the group attributes are the same in every ranking protocol; only the ids,
    history, candidates and judged items differ, so they are the arguments."""
    req: dict[str, Any] = {
        "id": request_id,
        "user": user_payload(data.users, user),
        "history": history,
        "candidates": candidates,
        "n": n,
    }
    spec = RequestSpec.from_request(req)
    return Case(
        req,
        spec,
        user,
        truth=make_truth(spec, relevant, negative, catalogue),
        attributes=group_attributes(data.users, user),
    )


def _ranking_view(data: EvalData, cfg: EvalConfig, train: pd.DataFrame) -> TrainingView:
    """The view of a ranking split: the kept interactions and every user's profile (a
    held-out user's profile is known at sign-up). Few-shot views differ (no profiles,
    labelled examples) and are built where they are made."""
    return TrainingView(
        data.catalog, train, data.users, data.domain, positive_threshold=cfg.positive_threshold
    )


# --------------------------------------------------------------------------- protocols


def new_user_split(data: EvalData, cfg: EvalConfig) -> Split:
    c = cfg.new_user
    df = _with_positive(data, cfg)
    users, held, train = _held_out_users(data, cfg, df)
    held_set = set(held)
    catalogue = {i: n for n, i in enumerate(data.catalog.ids)}
    ordered = chronological(df, cfg.seed)
    by_user = {u: g for u, g in ordered[ordered["user"].isin(held_set)].groupby("user", sort=False)}
    max_k = max(c.shots) if c.shots else 0
    eligible = [u for u in held if u in by_user]
    if c.same_users:
        eligible = [
            u
            for u in eligible
            if len(by_user[u]) > max_k and bool(by_user[u]["_pos"].iloc[max_k:].any())
        ]
    eligible = eligible[: c.max_users]
    groups: dict[str, list[Case]] = {}
    known: dict[str, float] = {}
    for k in c.shots:
        cases = []
        for u in eligible:
            seq = by_user[u]
            hist = seq.iloc[:k]
            relevant = _unseen_positives(hist, seq.iloc[k:])
            if not relevant:
                continue
            history = [history_entry(r) for r in hist.itertuples(index=False)]
            cases.append(
                _ranking_case(
                    data, catalogue, u, f"newuser-{u}-k{k}", history, None, c.n, relevant, []
                )
            )
        groups[f"k={k}"] = cases
        known[f"k={k}"] = float(k)
    view = _ranking_view(data, cfg, train)
    return Split(
        protocol="new-user",
        kind="ranking",
        view=view,
        groups=groups,
        known=known,
        metrics=cfg.metrics,
        new_items=_rare_items(train, data.catalog, cfg.new_item_max_interactions),
        notes=[f"{len(held)} of {len(users)} users held out; {len(eligible)} evaluated"]
        + ([f"by time: the {len(held)} latest arrivals held out; fitted on the {len(train)} "
            "interactions before the first of them"] if c.by_time else []),
    )


def new_item_split(data: EvalData, cfg: EvalConfig) -> Split:
    c = cfg.new_item
    cold = cold_split(data.catalog.ids, cfg.seed, c.fraction)
    cold_set = frozenset(cold)
    df = data.interactions
    is_cold = df["item"].isin(cold_set).to_numpy()
    train = df[~is_cold].reset_index(drop=True)
    # ordering every row and then dropping the cold ones keeps the warm rows in the order (and
    # with the tie-break numbers) the bench gives them, and the ordering rule stays in one place
    ordered = chronological(df, cfg.seed)
    warm_sorted = ordered[~ordered["item"].isin(cold_set)]
    hist_by_user = {u: g for u, g in warm_sorted.groupby("user", sort=False)}
    cold_df = _with_positive(data, cfg)[is_cold]
    catalogue = {i: n for n, i in enumerate(data.catalog.ids)}
    cands = sort_ids(list(cold_set))
    users = [u for u in sort_ids(cold_df["user"].unique().tolist())]
    rng = np.random.default_rng(cfg.seed + 1)
    with_rel = [str(u) for u, g in cold_df.groupby("user") if g["_pos"].any()]
    with_rel = sort_ids(with_rel)
    if len(with_rel) > c.max_users:
        pick = set(rng.choice(len(with_rel), c.max_users, replace=False).tolist())
        with_rel = [u for n, u in enumerate(with_rel) if n in pick]
    cold_by_user = {str(u): g for u, g in cold_df.groupby("user")}
    cases: list[Case] = []
    hist_lens: list[int] = []
    for u in with_rel:
        g = cold_by_user[u]
        rel = sort_ids(list(set(g.loc[g["_pos"], "item"])))
        neg = sort_ids(list(set(g.loc[~g["_pos"], "item"]) - set(rel)))
        hist = hist_by_user.get(u)
        entries = [] if hist is None else [history_entry(r) for r in hist.itertuples(index=False)]
        if c.history_max is not None:
            entries = entries[-c.history_max :]
        hist_lens.append(len(entries))
        cases.append(
            _ranking_case(data, catalogue, u, f"newitem-{u}", entries, cands, len(cands), rel, neg)
        )
    view = _ranking_view(data, cfg, train)
    return Split(
        protocol="new-item",
        kind="ranking",
        view=view,
        groups={"cold items": cases},
        known={"cold items": float(np.median(hist_lens)) if hist_lens else 0.0},
        metrics=cfg.new_item_metrics,
        new_items=cold_set,
        notes=[
            f"{len(cold)} of {len(data.catalog)} items held out; {len(cases)} of {len(users)} users with a positive cold item evaluated"
        ],
    )


def _binary_examples(
    seqs: dict[str, pd.DataFrame],
    users: list[str],
    data: EvalData,
    cfg: EvalConfig,
    rng: np.random.Generator,
    sampled: bool,
    limit: int,
    prefix: str,
    with_label: bool,
) -> list[tuple[dict[str, Any], int, str]]:
    """Draw up to `per_user` (history, target) windows per user, in user order."""
    c = cfg.few_shot
    all_items = np.array(data.catalog.ids)
    out: list[tuple[dict[str, Any], int, str]] = []
    for u in users:
        seq = seqs.get(u)
        if seq is None or len(seq) <= c.min_history:
            continue
        positions = np.arange(max(c.min_history, 1), len(seq))
        if not len(positions):
            continue
        chosen = np.sort(rng.choice(positions, min(c.per_user, len(positions)), replace=False))
        touched = set(seq["item"])
        items = seq["item"].tolist()
        posflags = seq["_pos"].tolist()
        for p in chosen:
            lo = max(0, p - c.history_len)
            hist = [{"item": items[j], "liked": bool(posflags[j])} for j in range(lo, p)]
            target, label = items[p], int(posflags[p])
            if sampled and rng.random() < 0.5:
                for _ in range(50):
                    cand = str(all_items[rng.integers(len(all_items))])
                    if cand not in touched:
                        target, label = cand, 0
                        break
            req: dict[str, Any] = {
                "id": f"{prefix}-{u}-{p}",
                "user": {"id": u},
                "history": hist,
                "candidates": [target],
                "n": 1,
                "target": target,
            }
            if with_label:
                req["label"] = label
            out.append((req, label, u))
            if len(out) >= limit:
                return out
    return out


def few_shot_splits(data: EvalData, cfg: EvalConfig) -> list[Split]:
    c = cfg.few_shot
    df = _with_positive(data, cfg)
    both = bool(df["_pos"].any() and (~df["_pos"]).any())
    sampled = c.negatives == "sampled" or (c.negatives == "auto" and not both)
    users, held, train_df = _held_out_users(data, cfg, df)
    held_set = set(held)
    ordered = chronological(df, cfg.seed)
    seqs = {str(u): g for u, g in ordered.groupby("user", sort=False)}
    rng = np.random.default_rng(cfg.seed + 2)
    test_users = list(held)
    rng.shuffle(test_users)
    test = _binary_examples(seqs, test_users, data, cfg, rng, sampled, c.max_test, "fewshot", False)
    pool_users = [u for u in users if u not in held_set]
    rng.shuffle(pool_users)
    pool_cfg = cfg.model_copy(update={"few_shot": c.model_copy(update={"per_user": 1})})
    pool = _binary_examples(
        seqs, pool_users, data, pool_cfg, rng, sampled, max(c.train_sizes, default=0), "train", True
    )
    empty = train_df.iloc[0:0]
    cases = [
        Case(
            req,
            RequestSpec.from_request(req),
            u,
            label=label,
            attributes=group_attributes(data.users, u),
        )
        for req, label, u in test
    ]
    splits: list[Split] = []
    done: set[int] = set()
    for asked in c.train_sizes:
        # the label says how many examples were really there: a pool smaller than the asked
        # size used to be reported as "N=256" with 160 examples behind it
        n = min(asked, len(pool))
        label = f"N={n}" if n == asked else f"N={n} (of {asked} asked)"
        if n in done:
            # two asked sizes above the pool would be the same run twice; say so on the run
            for sp in splits:
                if label_of(sp) == f"N={n}" or label_of(sp).startswith(f"N={n} "):
                    sp.notes.append(f"{asked} examples were asked too; only {n} are available")
            continue
        done.add(n)
        view = TrainingView(
            data.catalog,
            train_df if c.use_interactions else empty,
            UserTable(),  # TALLRec: no demographics
            data.domain,
            examples=[req for req, _, _ in pool[:n]],
            positive_threshold=cfg.positive_threshold,
        )
        notes = [
            f"{len(cases)} test examples from held-out users, {sum(x[1] for x in test)} positive",
            f"{n} labelled training examples" + (f" (only {n} available; {asked} asked)" if n < asked else ""),
        ]
        if sampled:
            notes.append("negatives are sampled items the user never touched (implicit data)")
        splits.append(
            Split(
                protocol="few-shot",
                kind="binary",
                view=view,
                groups={label: cases},
                known={label: float(c.history_len)},
                metrics=["auc", "gauc"],
                notes=notes,
            )
        )
    return splits


def label_of(split: Split) -> str:
    return next(iter(split.groups), "")


def warm_split(data: EvalData, cfg: EvalConfig) -> Split:
    c = cfg.warm
    df = _with_positive(data, cfg)
    ordered = chronological(df, cfg.seed)
    users = sort_ids(df["user"].unique().tolist())
    rng = np.random.default_rng(cfg.seed + 3)
    by_user = {u: g for u, g in ordered.groupby("user", sort=False)}
    eligible = [u for u in users if len(by_user[u]) >= 2]
    order = rng.permutation(len(eligible))
    catalogue = {i: n for n, i in enumerate(data.catalog.ids)}
    drop_index: list[Any] = []
    cases: list[Case] = []
    known: list[int] = []
    for j in order:
        if len(cases) >= c.max_users:
            break
        u = eligible[j]
        seq = by_user[u]
        n_test = max(1, int(round(c.test_fraction * len(seq))))
        if c.mode == "leave-last-out":
            test_rows, hist = seq.iloc[-n_test:], seq.iloc[:-n_test]
        else:
            pick = rng.permutation(len(seq))[:n_test]
            mask = np.zeros(len(seq), dtype=bool)
            mask[pick] = True
            test_rows, hist = seq[mask], seq[~mask]
        relevant = _unseen_positives(hist, test_rows)
        if not relevant:
            continue
        drop_index.extend(test_rows.index.tolist())
        entries = [history_entry(r) for r in hist.itertuples(index=False)]
        # known counts the history before the cap, while new-item counts it after: kept as it
        # was, since either change would move the x position reports give these cells
        known.append(len(entries))
        if c.history_max is not None:
            entries = entries[-c.history_max :]
        cases.append(
            _ranking_case(data, catalogue, u, f"warm-{u}", entries, None, c.n, relevant, [])
        )
    train = data.interactions.drop(index=drop_index).reset_index(drop=True)
    view = _ranking_view(data, cfg, train)
    return Split(
        protocol="warm",
        kind="ranking",
        view=view,
        groups={"warm": cases},
        known={"warm": float(np.median(known)) if known else 0.0},
        metrics=cfg.metrics,
        new_items=_rare_items(train, data.catalog, cfg.new_item_max_interactions),
        notes=[
            f"{c.mode}: {len(cases)} users, {c.test_fraction:.0%} of each user's interactions held out (at least 1)"
        ],
    )


def _rare_items(train: pd.DataFrame, catalog: Catalog, below: int) -> frozenset[str]:
    counts = train["item"].value_counts()
    return frozenset(i for i in catalog.ids if counts.get(i, 0) < below)


def make_splits(data: EvalData, cfg: EvalConfig) -> list[Split]:
    out: list[Split] = []
    for p in cfg.protocols:
        if p == "new-user":
            out.append(new_user_split(data, cfg))
        elif p == "new-item":
            out.append(new_item_split(data, cfg))
        elif p == "few-shot":
            out.extend(few_shot_splits(data, cfg))
        elif p == "warm":
            out.append(warm_split(data, cfg))
    return out
