"""Learn the cold→warm hand-over: blend weights per amount of evidence, from the data itself.

Hand-set weights cannot know whether, on *this* catalogue, one rating says more than the
population does, or whether item text is informative at all (on MovieLens it mostly is not;
on product catalogues it is). So we simulate the cold-start protocol on the recommender's own
interactions: a seeded sample of users is held out of the population statistics, each is
replayed with its first k interactions (k = 0, 1, 2, 3, 5, 10, in time order) plus its profile,
and their later clear likes (`liked_mask`) are the targets. Weights are then chosen per evidence bucket
(`EVIDENCE_EDGES`) by coordinate ascent on NDCG@10. Nothing outside the training interactions
is read; the numbers this returns are in-sample for the held-out users and are reported as such.

The same replay then fits the yes/no answer's weights (`predict_likes`, `_learn_likes`): the
held-out users are asked about their next explicit picks at random points of their history,
with the weights just learned, and the fit is kept only where it carries over between
halves of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dayone.data.interactions import liked_mask
from dayone.profiles import HistoryEntry, UserContext
from dayone.profiles.builder import sign_history
from dayone.recommender import likes
from dayone.recommender.config import EVIDENCE_EDGES, BlendWeights, LikeWeights

if TYPE_CHECKING:
    from dayone.recommender.recommender import Recommender

STRATEGIES = list(BlendWeights.model_fields)
# A visitor's sentence weighs TEXT_LEAD times the strongest learned prior, and with
# `text_gate` the priors count only as far as an item matches the sentence: the words pick the
# items in play and the crowd orders them. On the demo catalogue's tag queries
# (`python scripts/text_prior_eval.py`) that found the tagged films about twice as well as the
# text weight used before (2.9 times the prior, no gate), and better than text alone.
TEXT_LEAD = 0.25
# with `text_gate` off nothing stops the priors lifting items that match nothing, so the
# sentence needs more weight to lead: 1 x was the best of the ungated weights measured there
TEXT_LEAD_UNGATED = 1.0
GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


# the yes/no answer's weights are fitted on this many replayed users, each asked at
# LIKE_CUTS random points of their history (with up to LIKE_HISTORY picks before it) about
# their next LIKE_ROWS explicit picks, and only when both answers have LIKE_MIN_CLASS rows
LIKE_USERS = 120
LIKE_CUTS = 3
LIKE_HISTORY = 50
LIKE_ROWS = 10
LIKE_MIN_CLASS = 25


@dataclass
class _LikeCase:
    user: int
    context: UserContext
    items: list[str]
    labels: list[bool]


@dataclass
class _Example:
    bucket: int
    parts: np.ndarray  # candidates x strategies
    relevant: np.ndarray  # bool per candidate
    n_relevant: int


def _replayed_users(
    df: Any, eligible: list[Any], n_val: int, rng: np.random.Generator, latest: bool = False
) -> set[Any]:
    """Whom the hand-over replays: a seeded random sample of the eligible users, or with
    `latest` (`RecommenderConfig.handover_replay`) the latest arrivals among them when every
    interaction has a time and the users' first times mostly differ.

    Why the choice: a deployment serves tomorrow's visitors from today's log, and they like
    what earlier users had not yet found. Replaying the latest arrivals served ML-100K's
    latest fifth of users better (`dayone evaluate --by-time`: +0.018 and +0.021 ndcg@10 at
    three and five picks, intervals clear of zero) but a random fifth worse (up to -0.022 on
    one of three seeds), so random stays the default (docs/evaluation/README.md)."""
    if latest and len(df) and df["ts"].notna().all():
        first = df[df["user"].isin(eligible)].groupby("user")["ts"].min()
        # times that are positions in each user's own sequence (everyone starts at 0) say
        # nothing about who came when: then the sample stays random
        if first.nunique() >= len(first) // 2:
            order = sorted(first.index, key=lambda u: (float(first[u]), str(u)))
            return set(order[-n_val:])
    return set(rng.choice(np.asarray(eligible, dtype=object), size=n_val, replace=False).tolist())


def _bucket(n_pos: int) -> int:
    return sum(1 for edge in EVIDENCE_EDGES[1:] if n_pos >= edge)


def _ndcg10(scores: np.ndarray, ex: _Example) -> float:
    # ties break against the relevant items: the candidate pool holds every relevant item
    # but only the head of each strategy, so flat scores must not be rewarded
    scores = scores - 1e-9 * ex.relevant
    k = min(10, scores.shape[0])
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    gains = ex.relevant[top] / np.log2(np.arange(2, k + 2))
    ideal = (1.0 / np.log2(np.arange(2, min(ex.n_relevant, 10) + 2))).sum()
    return float(gains.sum() / ideal) if ideal > 0 else 0.0


def _mean_ndcg(w: np.ndarray, examples: list[_Example]) -> float:
    return float(np.mean([_ndcg10(ex.parts @ w, ex) for ex in examples])) if examples else 0.0


def _ascend(start: np.ndarray, examples: list[_Example]) -> tuple[np.ndarray, float]:
    """Coordinate ascent on mean NDCG@10 from `start`: each weight in turn tries multiples of
    itself (`GRID`; 0.1 and 0.3 when it is 0), for up to three rounds."""
    w = start.copy()
    best = _mean_ndcg(w, examples)
    for _ in range(3):
        improved = False
        for s_i in range(w.shape[0]):
            current = w[s_i]
            options = {current * g for g in GRID} | ({0.1, 0.3} if current == 0 else set())
            for value in sorted(options):
                trial = w.copy()
                trial[s_i] = value
                score = _mean_ndcg(trial, examples)
                if score > best + 1e-6:
                    best, w, improved = score, trial, True
        if not improved:
            break
    return w, best


def learn_handover(
    rec: Recommender,
    seed: int = 0,
    max_users: int = 300,
    ks: tuple[int, ...] = (0, 1, 2, 3, 5, 10),
    min_users: int = 30,
    per_part: int = 150,
    show_progress: bool = False,
) -> dict[str, Any]:
    from dayone.recommender.recommender import Recommender

    df = rec.interactions
    if not len(df):
        return {"learned": False, "reason": "no interactions"}
    # a replayed user's picks are signed as the visitor's will be (`sign_history` picks the
    # evidence bucket), but only clear likes are targets (`liked_mask` says why)
    df = df.assign(_target=liked_mask(df, rec.config.rating_threshold))
    sizes = df.groupby("user").size()
    eligible = sorted(sizes[sizes >= 6].index)
    if len(eligible) < min_users:
        return {"learned": False, "reason": f"only {len(eligible)} users with >= 6 interactions (need {min_users})"}
    rng = np.random.default_rng(seed)
    n_val = min(max_users, max(min_users, len(eligible) // 5))
    val = _replayed_users(df, eligible, n_val, rng, latest=rec.config.handover_replay == "latest")

    # a shadow recommender whose population never saw the held-out users
    shadow = Recommender(rec.config.model_copy(update={"handover": None, "learn_handover": False}), rec.encoder)
    shadow.catalog, shadow.index, shadow.users = rec.catalog, rec.index, rec.users
    shadow.interactions = df[~df["user"].isin(val)].drop(columns=["_target"]).reset_index(drop=True)
    shadow.population.ensure(rec._n_rows())
    shadow.refit(show_progress=show_progress)

    examples: list[_Example] = []
    held = df[df["user"].isin(val)]
    if held["ts"].notna().any():
        held = held.sort_values(["user", "ts"], kind="stable")
    groups = list(held.groupby("user", sort=True))
    iterator: Any = groups
    if show_progress:
        from tqdm import tqdm

        iterator = tqdm(groups, desc="learning the hand-over", unit="user")
    like_cases: list[_LikeCase] = []
    like_rng = np.random.default_rng(seed + 1)
    for n_user, (user, group) in enumerate(iterator):
        profile = rec.users.get(str(user))
        attrs = profile.attributes if profile else {}
        entries = [
            HistoryEntry(
                item=str(i),
                rating=None if np.isnan(r) else float(r),
                weight=None if np.isnan(w) else float(w),
                liked=None if np.isnan(lk) else bool(lk),
            )
            for i, r, w, lk in zip(group["item"], group["rating"], group["weight"], group["liked"], strict=True)
        ]
        target = group["_target"].to_numpy()
        if n_user < LIKE_USERS:
            like_cases.extend(_like_cases(n_user, attrs, entries, target, like_rng))
        for k in ks:
            if k >= len(entries) - 1:
                break
            context = UserContext(attributes=attrs, history=entries[:k])
            later = [e.item for e, t in zip(entries[k:], target[k:], strict=True) if t]
            if not later:
                continue
            scored = shadow._score(context)
            seen = set(shadow.index.rows([e.item for e in entries[:k]]).tolist())
            keep = np.ones(scored.rows.shape[0], dtype=bool)
            row_pos = {int(r): j for j, r in enumerate(scored.rows)}
            for r in seen:
                if r in row_pos:
                    keep[row_pos[r]] = False
            cand: set[int] = set()
            for arr in scored.parts.values():
                masked = np.where(keep, arr, -np.inf)
                top = np.argpartition(-masked, min(per_part, masked.size - 1))[:per_part]
                cand.update(int(j) for j in top if keep[j])
            rel_rows = {int(r) for r in shadow.index.rows(later)} - seen
            cand.update(row_pos[r] for r in rel_rows if r in row_pos)
            idx = np.fromiter(cand, dtype=np.int64)
            mat = np.zeros((idx.size, len(STRATEGIES)), dtype=np.float64)
            for s_i, name in enumerate(STRATEGIES):
                if name in scored.parts:
                    mat[:, s_i] = scored.parts[name][idx]
            relevant = np.isin(scored.rows[idx], list(rel_rows))
            # the bucket a visitor with these picks is served from: the serving side's signs
            # (relative to the shrunk user mean), not the log's fixed-midpoint ones, under
            # which a first pick rated 3 of 5 trained the one-like weights but was served the
            # no-like ones
            n_pos = int(sum(1 for p in sign_history(entries[:k], rec.scale).prefs if p > 0))
            examples.append(_Example(_bucket(n_pos), mat, relevant, len(rel_rows)))

    base = np.array([getattr(rec.config.weights, n) for n in STRATEGIES], dtype=np.float64)
    learned: list[BlendWeights] = []
    report: dict[str, Any] = {"learned": True, "validation_users": n_val, "buckets": []}
    previous = base
    for b in range(len(EVIDENCE_EDGES)):
        exs = [e for e in examples if e.bucket == b]
        if len(exs) < 20:
            learned.append(BlendWeights(**dict(zip(STRATEGIES, previous.tolist(), strict=True))))
            report["buckets"].append({"bucket": b, "examples": len(exs), "note": "too few: copied"})
            continue
        before = _mean_ndcg(base, exs)
        w, best = _ascend(previous, exs)
        # free text is never exercised by the simulation (logs carry no sentences), so it
        # weighs TEXT_LEAD times the strongest learned prior (see TEXT_LEAD)
        exercised = np.vstack([np.abs(e.parts).sum(axis=0) for e in exs]).sum(axis=0) > 0
        strongest = float(w[exercised].max()) if exercised.any() else 1.0
        t_i = STRATEGIES.index("text")
        if not exercised[t_i]:
            w[t_i] = strongest * (TEXT_LEAD if rec.config.text_gate else TEXT_LEAD_UNGATED)
        learned.append(BlendWeights(**dict(zip(STRATEGIES, w.tolist(), strict=True))))
        report["buckets"].append(
            {"bucket": b, "examples": len(exs), "ndcg10_default": round(before, 4), "ndcg10_learned": round(best, 4),
             "weights": dict(zip(STRATEGIES, np.round(w, 4).tolist(), strict=True)),
             "exercised": [n for n, e in zip(STRATEGIES, exercised.tolist(), strict=True) if e]}
        )
        previous = w
    update: dict[str, Any] = {"handover": learned}
    shadow.config = shadow.config.model_copy(update={"handover": learned})
    shadow.version += 1
    report["likes"], weights = _learn_likes(shadow, like_cases)
    if weights is not None:
        update["likes"] = weights
    rec.config = rec.config.model_copy(update=update)
    rec.version += 1
    return report


def _like_cases(user: int, attrs: dict[str, Any], entries: list[HistoryEntry], target: np.ndarray,
                rng: np.random.Generator) -> list[_LikeCase]:
    """Yes/no questions as they are asked of a known user: at a random point of their
    history, with what they picked before it, about what they picked next. (Not the
    hand-over's first-k beginnings: with none or two picks the like rate is mostly the prior,
    and a fit on those learned to ignore it, which cost users with longer histories.)"""
    said = np.array([j for j, e in enumerate(entries) if e.rating is not None or e.liked is not None])
    said = said[said >= 1]
    if not said.size:
        return []
    cases = []
    for cut in sorted(set(rng.choice(said, size=min(LIKE_CUTS, said.size), replace=False).tolist())):
        asked = said[said >= cut][:LIKE_ROWS]
        context = UserContext(attributes=attrs, history=entries[max(0, cut - LIKE_HISTORY):cut])
        cases.append(_LikeCase(user, context, [entries[j].item for j in asked], [bool(target[j]) for j in asked]))
    return cases


def _learn_likes(shadow: Recommender, cases: list[_LikeCase]) -> tuple[dict[str, Any], LikeWeights | None]:
    """Fit `predict_likes`' weights on what the replayed users went on to rate: each later
    explicit pick is a yes/no example, asked of the shadow (which never saw these users)
    with the hand-over just learned, as a visitor with that beginning would be. The fit is
    kept only if, fitted on one half of the users, it orders the other half's answers better
    than the defaults do, both ways, by the mean of the AUC over all answers and the AUC
    within each user: on a small log it may not. (Not the log-likelihood: on a few dozen
    users the halves' like rates differ, and that alone decided it.)"""
    rows, labels, groups = [], [], []
    for case in cases:
        rows.append(shadow._like_features(case.context, case.items).features)
        labels.extend(case.labels)
        groups.extend([case.user] * len(case.items))
    y = np.asarray(labels, dtype=bool)
    n_yes, n_no = int(y.sum()), int((~y).sum())
    if min(n_yes, n_no) < LIKE_MIN_CLASS:
        return {"learned": False, "reason": f"{n_yes} later likes and {n_no} other explicit picks "
                f"on replay (need {LIKE_MIN_CLASS} of each)"}, None
    x, g = np.vstack(rows), np.asarray(groups)
    # the evaluation's pooled AUC; within a user it is averaged with each user counting once
    from dayone.evaluation.metrics import PooledAUC

    pooled_auc = PooledAUC()

    def grouped_auc(scores: np.ndarray, labels: np.ndarray, users: np.ndarray) -> float:
        values = [pooled_auc(labels[users == u], scores[users == u]) for u in np.unique(users)]
        values = [v for v in values if not np.isnan(v)]
        return float(np.mean(values)) if values else float("nan")

    half = g % 2 == 0  # replayed users are a random sample in id order, so parity is a random halving
    held = {"default": 0.0, "learned": 0.0}
    for fit_on in (half, ~half):
        part = likes.fit_like_weights(x[fit_on], y[fit_on])
        out = ~fit_on
        for name, w in (("default", None), ("learned", part)):
            p = likes.like_probability(x[out], w)
            held[name] += (pooled_auc(y[out], p) + grouped_auc(p, y[out], g[out])) / 2
    weights = likes.fit_like_weights(x, y)
    before, after = likes.like_probability(x, None), likes.like_probability(x, weights)
    report: dict[str, Any] = {
        "learned": bool(held["learned"] > held["default"]), "rows": int(y.size), "liked": n_yes,
        "heldout_auc_default": round(held["default"] / 2, 4), "heldout_auc_learned": round(held["learned"] / 2, 4),
        "auc_default": round(pooled_auc(y, before), 4), "auc_learned": round(pooled_auc(y, after), 4),
        "gauc_default": round(grouped_auc(before, y, g), 4),
        "gauc_learned": round(grouped_auc(after, y, g), 4),
        "weights": {k: round(v, 4) for k, v in weights.model_dump().items()},
    }
    if not report["learned"]:
        report["reason"] = "fitted on half the replayed users, it did not order the other half's answers better than the defaults"
        return report, None
    return report, weights


def _bucket_label(b: int) -> str:
    lo = EVIDENCE_EDGES[b]
    if b == len(EVIDENCE_EDGES) - 1:
        return f"{lo}+"
    hi = EVIDENCE_EDGES[b + 1] - 1
    return str(lo) if hi == lo else f"{lo}-{hi}"


def summarise_handover(report: dict[str, Any]) -> list[str]:
    """What the hand-over learned, as lines for a person: per evidence bucket, how many
    replayed examples it saw, NDCG@10 on them with the zero-shot and the learned weights (in
    sample, so an upper bound), and the parts that weigh most."""
    if not report:
        return ["hand-over: none (no interactions to learn from, or learn_handover is off); "
                "the hand-set weights ramp with the evidence instead"]
    if not report.get("learned"):
        return [f"hand-over: not learned ({report.get('reason', 'no reason given')}); "
                "the hand-set weights ramp with the evidence instead"]
    lines = [f"hand-over learned on {report['validation_users']} replayed users "
             "(NDCG@10 on them, in sample: zero-shot -> learned weights):"]
    for entry in report["buckets"]:
        head = f"  {_bucket_label(entry['bucket'])} liked picks: {entry['examples']} examples"
        if "weights" not in entry:
            lines.append(f"{head}, too few: weights of the bucket before")
            continue
        # a part the bucket's requests never score (co-occurrence with no picks) has no say
        used = set(entry["exercised"])
        top = sorted(((w, n) for n, w in entry["weights"].items() if w > 0 and n in used), reverse=True)[:3]
        leads = ", ".join(f"{n} {w:g}" for w, n in top) or "nothing (every used part is at 0)"
        lines.append(f"{head}, {entry['ndcg10_default']} -> {entry['ndcg10_learned']}; weighs most: {leads}")
    fit = report.get("likes")
    if fit and fit.get("learned"):
        w = fit["weights"]
        lines.append(f"  yes/no answers (predict_likes) fitted on {fit['rows']} later picks of replayed users, "
                     f"held-out AUC {fit['heldout_auc_default']} -> {fit['heldout_auc_learned']} (mean of all answers' and "
                     f"within a user's), in sample AUC {fit['auc_default']} -> {fit['auc_learned']}, within a user "
                     f"{fit['gauc_default']} -> {fit['gauc_learned']}: "
                     f"like rate {w['rate']:g}, standing {w['standing']:g}, the crowd's liked share {w['quality']:g}")
    elif fit:
        lines.append(f"  yes/no answers (predict_likes): hand-set weights ({fit.get('reason', 'not fitted')})")
    return lines
