"""The Recommender: one object that serves new users, new items and everyone in between.

Scoring is a blend of strategies whose weights ramp with evidence: with nothing known, the
population priors (popularity, people-like-you, quality) carry the list and the language model
reorders it by what the visitor wrote; each rating moves weight to history similarity and to
item–item co-occurrence, the collaborative signal. Every item reports the strategy that
contributed most (its `source`) and a sentence saying which part of the context matched.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dayone.data.catalog import Catalog
from dayone.data.errors import DataError
from dayone.data.interactions import (
    INTERACTION_COLUMNS,
    Interaction,
    empty_interactions,
    interaction_records,
    interactions_frame,
    liked_mask,
    normalise_interactions,
    preference,
    preference_arrays,
    rating_scale,
    weight_scale,
)
from dayone.data.users import UserTable
from dayone.descriptions import Describer
from dayone.descriptions.common_words import common_words, without_common_words
from dayone.descriptions.intent import QueryIntent, parse_intent
from dayone.encoders import Encoder, get_encoder
from dayone.encoders.choice import choose_encoder, record_texts
from dayone.index import ExactIndex, HnswIndex, top_k
from dayone.index.field_values import FieldValues, TitleWords
from dayone.profiles import HistoryEntry, RatingScale, UserContext, history_vector, sign_history
from dayone.recommender import likes
from dayone.recommender.beginnings import Beginnings
from dayone.recommender.config import (
    EVIDENCE_EDGES,
    BlendWeights,
    NeighbourKernel,
    RecommenderConfig,
)
from dayone.recommender.errors import UnknownItemError
from dayone.recommender.explanations import explain_at
from dayone.recommender.neighbours import NeighbourVote
from dayone.recommender.phrases import say
from dayone.recommender.population import Population
from dayone.recommender.reach import users_for_item
from dayone.recommender.recency import choose_half_life
from dayone.recommender.results import LikePrediction, Recommendation, UserMatch
from dayone.recommender.scored import Scored, short_title


def _scale(reference: np.ndarray, top: float | None = None) -> tuple[float, float]:
    """The (median, best) of a strategy's similarities over the catalogue: the two anchors of
    `_relative`. `top` overrides the best when the reference is a sample that may miss it."""
    if reference.size == 0:
        return 0.0, 0.0
    mid = float(np.median(reference))
    best = float(reference.max()) if top is None else max(top, float(reference.max()))
    return mid, best


def _relative(sims: np.ndarray, anchors: tuple[float, float]) -> np.ndarray:
    """Rescale similarities so the median item scores 0 and the best match 1.

    Raw cosines of a sentence encoder sit in a narrow band (0.3-0.5 for most items), which
    would let any prior with a [0, 1] range drown the language signal; this puts every
    similarity strategy on the same footing as popularity.
    """
    mid, top = anchors
    if sims.size == 0 or top - mid <= 1e-9:
        return np.zeros_like(sims)
    return np.maximum((sims - mid) / (top - mid), -1.0)


# the items matching a sentence's wanted part at least this well (0 = the median item, 1 =
# the best match) form the set an avoided phrase is measured against (`_beyond_wanted`)
WANTED_MATCH = 0.5
WANTED_MIN_ITEMS = 10
WANTED_QUANTILE = 0.25


def _beyond_wanted(near: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """An avoided phrase's relative match re-anchored so that a low quantile of the items
    that match the wanted part well scores 0: only wanted items *more* like the avoided
    phrase than most of them are pushed down. With too few such items the top
    `WANTED_MIN_ITEMS` by wanted match stand in.

    `python scripts/negation_eval.py` (208 "X movies, no Y" genre pairs on the demo) gave
    share of Y / of X in the top 10: 0.000 / 0.961 anchored on the whole catalogue (before),
    0.005 / 0.964 at the quantile 0.25, 0.022 / 0.967 at the median; a Chinese news
    catalogue's "体育，不要足球" (sports, no football) went from 9 health stories in 10 to
    10 basketball and table-tennis ones."""
    if near.size < 2 * WANTED_MIN_ITEMS:
        return near
    chosen = wanted >= WANTED_MATCH
    if chosen.sum() < WANTED_MIN_ITEMS:
        chosen = np.zeros(wanted.shape, dtype=bool)
        chosen[np.argpartition(-wanted, WANTED_MIN_ITEMS)[:WANTED_MIN_ITEMS]] = True
    mid = max(float(np.quantile(near[chosen], WANTED_QUANTILE)), 0.0)
    top = float(near.max())
    if top - mid <= 1e-9:
        return np.zeros_like(near)
    return (near - mid) / (top - mid)


# above this many live items the median of a similarity is estimated on a fixed sample: 1024
# rows (1.5 MB, cache-resident) put the median within ~0.04 standard deviations of the
# catalogue's, about 1% of a relative score, and a 4096-row sample cost 4x the memory traffic
REFERENCE_SAMPLE = 1024
# the newest items are searched exactly as well as through the ANN: an item added a moment
# ago must reach its audience whatever the graph's recall around it
RECENT_ITEMS = 4096
RECENT_CANDIDATES = 50
# candidates gathered per query from the ANN, and from the population's favourites; 150
# neighbours cost about half of 300 in HNSW and items past them win only through a prior,
# which the popular candidates cover
ANN_CANDIDATES = 150
POPULAR_CANDIDATES = 300
NEIGHBOUR_CANDIDATES = 150
# similar beginnings joins the blend from this many positive picks (the hand-over's last
# evidence bucket). On ML-100K (`dayone evaluate`, seed 0) it lifted known users a lot and
# users with ten first picks a little, but with one to five picks the replayed users
# overrated it and the new users' lists got worse (docs/evaluation/README.md)
BEGINNINGS_MIN_POSITIVES = EVIDENCE_EDGES[-1]
# with a sentence, what the other strategies keep for an item that matches it no better than
# the median item (`text_gate`)
TEXT_GATE_FLOOR = 0.1
# the value match's median comes from the reference rows when at least this many carry values
MIN_VALUE_REFERENCE = 256


def _histories(df: pd.DataFrame) -> dict[str, list[HistoryEntry]]:
    """Each user's interactions in log order, from a normalised (already validated) log: one
    pass over plain lists, since a per-user DataFrame group cost seconds on 8,000 users."""
    codes, users = pd.factorize(df["user"].astype(str), sort=False)
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=len(users)))
    items = df["item"].astype(str).to_numpy(dtype=object)[order].tolist()

    def column(name: str) -> list[float | None]:
        values = df[name].to_numpy(dtype=float)[order]
        return [None if v != v else v for v in values.tolist()]  # NaN is not equal to itself

    ratings, weights = column("rating"), column("weight")
    liked = [None if v is None else bool(v) for v in column("liked")]
    entries = [HistoryEntry.model_construct(item=i, rating=r, weight=w, liked=lk)
               for i, r, w, lk in zip(items, ratings, weights, liked, strict=True)]
    out: dict[str, list[HistoryEntry]] = {}
    start = 0
    for user, end in zip(users.tolist(), ends.tolist(), strict=True):
        out[str(user)] = entries[start:end]
        start = end
    return out


def _remember(cache: dict[Any, Any], key: Any, value: Any, capacity: int) -> None:
    """Insert into a bounded FIFO memory shared by concurrent readers: eviction may race
    with another thread's, and losing that race only means one entry more or less."""
    while len(cache) >= capacity:
        try:
            cache.pop(next(iter(cache)), None)
        except (RuntimeError, StopIteration):
            break
    cache[key] = value


class _LikeInputs(NamedTuple):
    scored: Scored  # the whole catalogue, for explanations
    cols: np.ndarray  # where the asked items are in it
    standing: np.ndarray  # share of the catalogue below each asked item
    features: np.ndarray  # likes.like_features rows
    liked: int  # the context's picks that say "liked"
    explicit: int  # the context's picks that say either way
    rate: float  # the like rate the features hold (even on a log without dislikes)


class Recommender:
    """Zero-shot, population-aware recommender over a catalogue with external string ids."""

    def __init__(self, config: RecommenderConfig, encoder: Encoder | None = None) -> None:
        self.config = config
        self.encoder: Encoder = encoder if encoder is not None else get_encoder(config.encoder)
        self.describer = Describer(config.domain, config.language, config.template_file)
        self.catalog = Catalog()
        self.index = ExactIndex(self.encoder.dim)
        self.ann: HnswIndex | None = None
        self.population = Population()
        self.beginnings: Beginnings | None = None
        self.users = UserTable()
        # the interaction log: frames from bulk loads and short lists of online events
        self._log: list[pd.DataFrame | list[Interaction]] = [empty_interactions()]
        self._rating_range: tuple[float, float] | None = None
        self._weight_scale: float | None = None  # the log's full-strength weight (`weight_scale`)
        self._common: tuple[int, frozenset[str]] | None = None  # (catalogue size, `common_words`)
        self._query_cache: dict[str, np.ndarray] = {}
        self._ref_cache: tuple[tuple[int, int], np.ndarray, bool, np.ndarray] | None = None
        # each item's short field values (genres, tags) and title words, for visitors' sentences
        self.field_values = FieldValues(self.encoder.dim)
        self.titles = TitleWords()
        self._recent: deque[int] = deque(maxlen=RECENT_ITEMS)  # rows of the latest added items
        # ids removed from the catalogue whose interactions the log keeps (`_restore_log`)
        self._absent_with_log: set[str] = set()
        self._ann_cache: dict[bytes, np.ndarray] = {}
        self._added_since_ann_cache = 0
        self.histories: dict[str, list[HistoryEntry]] = {}
        self.user_index = ExactIndex(self.encoder.dim)
        self.scale = RatingScale()
        self.version = 0
        self.handover_report: dict[str, Any] = {}
        # what `popularity_half_life_days="auto"` found replaying the log (recency.py)
        self.recency_report: dict[str, Any] = {}
        # the liked share of the log's explicit interactions: the prior of a user's like rate
        self.like_prior = 0.5
        # whether the log says "liked" and never "not liked" (purchases recorded as likes):
        # then a like rate tells no user from another, and a yes/no answer can only say how
        # likely the user is to pick the item (`predict_likes`)
        self.likes_only = False

    @property
    def interactions(self) -> pd.DataFrame:
        """Every interaction the recommender holds; events appended online are concatenated
        lazily so that recording one event does not copy the whole log."""
        if len(self._log) > 1 or not isinstance(self._log[0], pd.DataFrame):
            frames = [f if isinstance(f, pd.DataFrame) else interactions_frame(f) for f in self._log if len(f)]
            self._log = [pd.concat(frames, ignore_index=True) if frames else empty_interactions()]
        frame = self._log[0]
        assert isinstance(frame, pd.DataFrame)
        return frame

    @interactions.setter
    def interactions(self, df: pd.DataFrame) -> None:
        self._log = [df]

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        catalog: Catalog,
        interactions: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
        users: UserTable | None = None,
        config: RecommenderConfig | None = None,
        encoder: Encoder | None = None,
        show_progress: bool = False,
    ) -> Recommender:
        """Describe and encode the catalogue, then learn population statistics if given.

        With no encoder given and `config.encoder` "default", the catalogue's language and
        script choose the model (`dayone.encoders.choice`); the saved config records it."""
        config = config or RecommenderConfig()
        records = catalog.records()
        if encoder is None:
            name = choose_encoder(config.encoder, config.language, record_texts(records))
            if name != config.encoder:
                config = config.model_copy(update={"encoder": name})
        rec = cls(config, encoder)
        rec.users = users or UserTable()
        rec._add_items_internal(records, show_progress=show_progress)
        if interactions is not None and len(interactions):
            frame = interactions if isinstance(interactions, pd.DataFrame) else pd.DataFrame(list(interactions))
            df = normalise_interactions(frame)
            unknown = sorted(set(df["item"]) - set(rec.catalog.ids))
            if unknown:
                raise UnknownItemError(unknown, "interactions")
            rec.interactions = df
        rec.refit(show_progress=show_progress)
        if rec.config.learn_handover and rec.config.handover is None and len(rec.interactions):
            rec.handover_report = rec.learn_handover(show_progress=show_progress)
        return rec

    def describe_item(self, fields: Mapping[str, Any]) -> str:
        return self.describer.item(dict(fields))

    def _add_items_internal(self, records: Sequence[Mapping[str, Any]], show_progress: bool = False) -> list[str]:
        ids: list[str] = []
        texts: list[str] = []
        for n, rec in enumerate(records, start=1):
            if "id" not in rec or rec["id"] is None or str(rec["id"]).strip() == "":
                raise DataError("missing item id", row=n, field="id")
            ids.append(str(rec["id"]))
            texts.append(self.describe_item({k: v for k, v in rec.items() if k != "id"}))
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise DataError(f"duplicate item id {dup!r} in one batch", field="id")
        vectors = self.encoder.encode(texts, batch_size=self.config.batch_size, show_progress=show_progress)
        back = [i for i in ids if i in self._absent_with_log]
        for rec, item_id in zip(records, ids, strict=True):
            self.catalog.upsert(item_id, {k: v for k, v in rec.items() if k != "id"})
        self.index.add(ids, vectors)
        self._index_fields(ids)
        self.population.ensure(self._n_rows())
        if self.population.taste is not None:  # a new item's taste factors, from its description
            self.population.taste.place(self.index.rows(ids), vectors)
        self._maybe_ann(ids, vectors)
        if len(ids) <= RECENT_ITEMS:  # online additions, not a catalogue build
            self._recent.extend(self.index.rows(ids).tolist())
        self._added_since_ann_cache += len(ids)
        if self._added_since_ann_cache >= RECENT_ITEMS or len(ids) > RECENT_ITEMS:
            self._ann_cache.clear()
            self._added_since_ann_cache = 0
        if back:
            self._restore_log(back)
        self.version += 1
        return ids

    def _restore_log(self, items: list[str]) -> None:
        """An id removed and added again gets its logged interactions back at once, not at
        the next refit: its counts (reset when it was removed) and, for the people who had
        it, their histories (a refit since the removal left it out of them), so it is not
        recommended to someone who already has it. A course review re-published a deleted
        course and saw it offered to a learner who had completed it."""
        self._absent_with_log.difference_update(items)
        log = self.interactions
        mine = log["item"].astype(str).isin(set(items)).to_numpy()
        if not mine.any():
            return
        rows_log = log[mine]
        prefs = preference(rows_log, self.config.rating_threshold, self._rating_range, self._weight_scale)
        rows = self.index.rows(rows_log["item"].astype(str).tolist())
        for (user, rating, ts), row, pref in zip(
                rows_log[["user", "rating", "ts"]].itertuples(index=False, name=None), rows, prefs, strict=True):
            profile = self.users.get(str(user))
            self.population.observe(int(row), float(pref), None if rating != rating else float(rating),
                                    profile.attributes if profile else None, ts=None if ts != ts else float(ts))
        users = set(rows_log["user"].astype(str))
        theirs = log[log["user"].astype(str).isin(users).to_numpy()]
        theirs = theirs[theirs["item"].isin(set(self.index.ids())).to_numpy()]
        if theirs["ts"].notna().any():
            theirs = theirs.sort_values("ts", kind="stable")
        self.histories.update(_histories(theirs))
        self._rebuild_user_vectors(users)

    def _index_fields(self, ids: list[str]) -> None:
        """Record the items' field values and title words (`index/field_values.py`), encoding
        only values no item had before."""
        rows = self.index.rows(ids)
        fields = [self.catalog.fields(i) for i in ids]
        self.field_values.add(rows, fields, lambda values: self.encoder.encode(values, batch_size=self.config.batch_size))
        self.titles.add(rows, fields)

    def _maybe_ann(self, ids: list[str], vectors: np.ndarray) -> None:
        wants = self.config.index == "hnsw" or (
            self.config.index == "auto" and len(self.index) >= self.config.hnsw_threshold
        )
        if not wants:
            return
        # the ANN's labels are the matrix rows (never reused), so its hits need no id lookup
        if self.ann is None:
            self.ann = HnswIndex(self.encoder.dim, max_elements=max(1024, len(self.index)))
            all_ids = self.index.ids()
            rows = self.index.rows(all_ids)
            self.ann.add(all_ids, self.index._mat[rows], labels=rows.tolist())
        else:
            self.ann.add(ids, vectors, labels=self.index.rows(ids).tolist())

    def refit(self, train_beginnings: bool = True, show_progress: bool = False) -> None:
        """Recompute population statistics, co-occurrence and user profile vectors, and
        retrain the similar-beginnings network (`train_beginnings`; loading a saved model
        passes False and restores the saved network instead)."""
        df = self.interactions
        log_size = len(df)
        # interactions with items removed since stay in the log (nothing is lost, and a
        # re-added id gets them back) but out of every statistic and history
        live = df["item"].isin(set(self.index.ids())).to_numpy()
        self._absent_with_log = set(df["item"][~live].astype(str))
        if not live.all():
            df = df[live]
        n_rows = self._n_rows()
        self.histories = {}
        self.like_prior = 0.5
        self.likes_only = False
        if train_beginnings:
            self.beginnings = None
        if len(df):
            # in time order, so that "the latest opinion counts" wherever an item repeats
            df = df.sort_values("ts", kind="stable") if df["ts"].notna().any() else df
            ratings = df["rating"].to_numpy(dtype=float)
            if (~np.isnan(ratings)).any():
                r = ratings[~np.isnan(ratings)]
                self.scale = RatingScale(mean=float(r.mean()), spread=float(max(r.std(), 0.5)))
                self._rating_range = rating_scale(r)  # a stray value cannot stretch it
            self._weight_scale = weight_scale(df["weight"].to_numpy(dtype=float))
            prefs = preference(df, self.config.rating_threshold, weight_scale=self._weight_scale)
            explicit = ~np.isnan(ratings) | df["liked"].notna().to_numpy()
            if explicit.any():  # +1/+2: a log of only likes must not make a dislike impossible
                n_liked = int(liked_mask(df[explicit], self.config.rating_threshold).sum())
                self.like_prior = (n_liked + 1.0) / (int(explicit.sum()) + 2.0)
                self.likes_only = n_liked == int(explicit.sum())
            else:
                # clicks, plays, views: nothing in the log says "not liked" either
                self.likes_only = True
            rows = self.index.rows(df["item"].tolist())
            half_life = self.config.popularity_half_life_days
            if half_life == "auto" and self.recency_report.get("log_size") == log_size and \
                    "half_life_days" in self.recency_report and not self.recency_report.get("set"):
                half_life = self.recency_report["half_life_days"]  # the same log replays the same
            elif half_life == "auto":
                half_life, self.recency_report = choose_half_life(
                    rows, df["user"].to_numpy(dtype=object), df["ts"].to_numpy(dtype=float), prefs > 0, n_rows)
                self.recency_report.update(half_life_days=half_life, log_size=log_size)
            elif half_life is not None:
                self.recency_report = {"half_life_days": half_life, "set": True}
            self.population.fit(
                rows,
                df["user"].to_numpy(dtype=object),
                prefs,
                ratings,
                n_rows,
                self.users,
                cooccurrence=self.config.cooccurrence,
                neighbours=self.config.neighbours,
                vectors=self.index._mat[:n_rows] if self.config.taste else None,
                ts=df["ts"].to_numpy(dtype=float),
                half_life_days=half_life if isinstance(half_life, float | int) else None,
            )
            if train_beginnings and self.config.beginnings:
                self.beginnings = Beginnings.fit(
                    self.index.ids(), df, prefs > 0, self.users, log_size=log_size,
                    progress="training the similar-beginnings networks" if show_progress else None,
                )
            self.histories = _histories(df)
        else:
            self.population = Population(max(n_rows, 16))
        self._rebuild_user_vectors()
        self.version += 1

    def _rebuild_user_vectors(self, only: Iterable[str] | None = None) -> None:
        ids = list(only) if only is not None else sorted(set(self.histories) | set(self.users.ids))
        if not ids:
            return
        vecs = np.vstack([self._user_vector(u) for u in ids])
        self.user_index.add(ids, vecs)

    def _user_vector(self, user_id: str) -> np.ndarray:
        # the most recent events describe the user (and keep an event's cost bounded)
        history = self.histories.get(user_id, [])[-self.config.profile_window :]
        signed = sign_history(history, self.scale)
        rows = self.index.rows(signed.items)
        known = [i for i in signed.items if i in self.index]
        prefs = np.array([p for i, p in zip(signed.items, signed.prefs, strict=True) if i in self.index])
        vec = history_vector(self.index._mat[rows], prefs) if known else np.zeros(self.encoder.dim, np.float32)
        profile = self.users.get(user_id)
        if profile is not None and profile.text:
            wanted, _ = self.text_queries(profile.attributes, profile.text)
            if wanted is not None:
                vec = vec + self._encode_query(wanted)
        norm = float(np.linalg.norm(vec))
        return (vec / norm).astype(np.float32) if norm > 0 else vec.astype(np.float32)

    def _n_rows(self) -> int:
        return len(self.index._ids)

    def text_queries(
        self, attributes: Mapping[str, Any] | None, text: str | None
    ) -> tuple[str | None, tuple[str, ...]]:
        """(the query text to match, the phrases to steer away from) for a visitor's words.

        The wanted query is None when the sentence only says what to avoid and there are no
        attributes to describe the person instead.
        """
        attrs = dict(attributes or {})
        if not text or not text.strip():
            return (self.describer.query(attrs, None) if attrs else None), ()
        intent = self._intent(text)
        avoid = tuple(dict.fromkeys(without_common_words(a, self._common_words()) for a in intent.avoid))
        if not intent.wanted and not attrs:
            return None, avoid
        return self.describer.query(attrs, intent.wanted or None), avoid

    def _common_words(self) -> frozenset[str]:
        """The words most of the catalogue's descriptions hold (`common_words`), from a sample
        of up to 2,000 live items, recomputed once the catalogue has grown or shrunk by a
        tenth: a request may ask for them, so they must not cost a pass over the catalogue."""
        size = len(self.index)  # O(1): this runs on every text request
        if self._common is not None and abs(size - self._common[0]) <= 0.1 * self._common[0]:
            return self._common[1]
        ids = self.index.ids()
        step = max(1, len(ids) // 2000)
        texts = (self.describe_item(self.catalog.fields(i)) for i in ids[::step])
        self._common = (len(ids), common_words(texts))
        return self._common[1]

    def _intent(self, text: str) -> QueryIntent:
        """`parse_intent`, except that a sentence read as a refusal alone ("no strings
        attached") stays a plain query when it is, word for word, a title in the catalogue."""
        if not self.config.parse_negation:
            return QueryIntent(text.strip())
        intent = parse_intent(text)
        if not intent.wanted and intent.avoid and self.config.title_lead:
            named = self.titles.named(text.strip())
            if named and max(named.values()) >= 1.0:
                return QueryIntent(text.strip())
        return intent

    def texts_to_encode(self, attributes: Mapping[str, Any] | None, text: str | None) -> list[str]:
        """Every query-side text a profile's words need encoded (wanted part, avoided phrases)."""
        wanted, avoid = self.text_queries(attributes, text)
        return ([wanted] if wanted else []) + list(avoid)

    def typed_words(self, text: str | None) -> str | None:
        """The visitor's own wanted words, without the template's framing or avoided parts."""
        if not text or not text.strip():
            return None
        return self._intent(text).wanted or None

    def named_rows(self, text: str | None) -> dict[int, float]:
        """Rows of the items whose title the visitor's words name (row -> word overlap), when
        `title_lead` is on. Words that are themselves one of the catalogue's field values
        ("western", "heist") ask for that kind of item, not for a film of that name."""
        words = self.typed_words(text)
        if not self.config.title_lead or words is None or self.field_values.has_value(words):
            return {}
        return self.titles.named(words)

    def _encode_query(self, text: str) -> np.ndarray:
        """Encode a user-side text, remembering recent ones: a known user's stored profile
        text and popular onboarding phrases repeat across requests."""
        hit = self._query_cache.get(text)
        if hit is not None:
            return hit
        query = getattr(self.encoder, "encode_query", None)
        vec = query([text]) if query is not None else self.encoder.encode([text])
        out = np.asarray(vec, dtype=np.float32)[0]
        _remember(self._query_cache, text, out, 4096)
        return out

    def _ann_neighbours(self, query: np.ndarray) -> np.ndarray:
        """The ANN's nearest rows to a query, remembered: a known user's profile and history
        vectors repeat across requests until they act. A remembered answer stays right while
        items are added, because additions are also searched exactly (`_recent`), so the memory
        is cleared only once more items were added than `_recent` holds."""
        assert self.ann is not None
        key = query.tobytes()
        hit = self._ann_cache.get(key)
        if hit is None:
            hit = self.ann.search_labels(query, ANN_CANDIDATES)
            _remember(self._ann_cache, key, hit, 2048)
        return hit

    # ------------------------------------------------------------------ online updates
    def add_items(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """Add or update items; each is recommendable as soon as this returns."""
        return self._add_items_internal(records)

    def remove_items(self, ids: Iterable[str]) -> None:
        ids = [i for i in ids if i in self.catalog]
        self._absent_with_log.update(ids)  # their interactions stay in the log
        rows = self.index.rows(ids)
        for row in rows:
            self.population.reset_row(int(row))
        self.field_values.remove(rows)
        self.titles.remove(rows)
        self.index.remove(ids)
        if self.ann is not None:
            self.ann.remove(ids)
        self.catalog.remove(ids)
        self.version += 1

    def add_user(self, user_id: str, attributes: Mapping[str, Any] | None = None, text: str | None = None) -> None:
        self.add_users([{"id": user_id, "attributes": dict(attributes or {}), "text": text}])

    def add_users(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Add or update profiles; their texts are encoded in one batch."""
        texts = list(dict.fromkeys(
            q for r in records if r.get("text") for q in self.texts_to_encode(r.get("attributes"), r["text"])
        ))
        if texts:
            # the query side, as `_encode_query` reads them later: encoders with separate query
            # and passage forms (e5) must not have passage vectors cached as queries
            query = getattr(self.encoder, "encode_query", None)
            vecs = query(texts) if query is not None else self.encoder.encode(texts, batch_size=self.config.batch_size)
            for text, vec in zip(texts, np.asarray(vecs, dtype=np.float32), strict=True):
                self._query_cache[text] = vec
        for r in records:
            self.users.add(str(r["id"]), dict(r.get("attributes") or {}), r.get("text"))
        self._rebuild_user_vectors([str(r["id"]) for r in records])
        self.version += 1

    def add_interactions(self, interactions: pd.DataFrame | Sequence[Mapping[str, Any]]) -> int:
        """Record events; counts and the users' profiles change before this returns.

        Co-occurrence and rating scale are refreshed by `refit()` (the service runs it in the
        background); everything a single event can change is updated here. A few records
        (the online case) skip pandas entirely; the log is assembled into a frame lazily.
        """
        if isinstance(interactions, pd.DataFrame) or len(interactions) > 256:
            frame = interactions if isinstance(interactions, pd.DataFrame) else pd.DataFrame(list(interactions))
            df = normalise_interactions(frame)
            batch = [Interaction(*t) for t in df[INTERACTION_COLUMNS].itertuples(index=False, name=None)]
        else:
            batch = interaction_records(interactions)
            df = None
        unknown = sorted({r.item for r in batch if r.item not in self.index})
        if unknown:
            raise UnknownItemError(unknown, "interactions")
        prefs = preference_arrays(
            np.array([r.rating for r in batch], dtype=float), np.array([r.weight for r in batch], dtype=float),
            np.array([r.liked for r in batch], dtype=float), self.config.rating_threshold, self._rating_range,
            self._weight_scale,
        )
        rows = self.index.rows([r.item for r in batch])
        touched: set[str] = set()
        for r_, row, pref in zip(batch, rows, prefs, strict=True):
            profile = self.users.get(r_.user)
            rating = None if np.isnan(r_.rating) else float(r_.rating)
            self.population.observe(int(row), float(pref), rating, profile.attributes if profile else None,
                                    ts=None if np.isnan(r_.ts) else float(r_.ts))
            self.histories.setdefault(r_.user, []).append(
                HistoryEntry(
                    item=r_.item,
                    rating=rating,
                    weight=None if np.isnan(r_.weight) else float(r_.weight),
                    liked=None if np.isnan(r_.liked) else bool(r_.liked),
                )
            )
            touched.add(r_.user)
        self._log.append(df if df is not None else batch)
        self._rebuild_user_vectors(touched)
        self.version += 1
        return len(batch)

    # ------------------------------------------------------------------ scoring
    def _context_for(self, context: UserContext | Mapping[str, Any] | str | None) -> UserContext:
        if context is None:
            return UserContext()
        if isinstance(context, str):
            return UserContext(text=context)
        if isinstance(context, Mapping):
            return UserContext.model_validate(dict(context))
        return context

    def _merged(self, ctx: UserContext) -> UserContext:
        """Merge a known user's stored profile and history into the request context."""
        if ctx.user_id is None:
            return ctx
        profile = self.users.get(ctx.user_id)
        # stored history may name items deleted since; the request's own history stays strict
        stored = [h for h in self.histories.get(ctx.user_id, []) if h.item in self.index]
        attrs = {**(profile.attributes if profile else {}), **ctx.attributes}
        text = ctx.text or (profile.text if profile else None)
        return UserContext(user_id=ctx.user_id, text=text, attributes=attrs, history=[*stored, *ctx.history])

    def _reference(self, n_rows: int) -> tuple[np.ndarray, bool, np.ndarray]:
        """Vectors of the live items that anchor each similarity's scale (`_relative`),
        whether they are a sample, and their rows.

        Up to REFERENCE_SAMPLE live items that is all of them. Beyond, a fixed seeded sample
        (see REFERENCE_SAMPLE for its accuracy), so a request multiplies a small contiguous
        matrix instead of reading every item. The sample is redrawn whenever the catalogue
        changes, so it always describes the live items, and two requests on the same catalogue
        use the same anchors.
        """
        key = (n_rows, self.index.generation)
        if self._ref_cache is None or self._ref_cache[0] != key:
            alive = np.flatnonzero(self.index._alive[:n_rows])
            sampled = alive.size > REFERENCE_SAMPLE
            if sampled:
                rng = np.random.default_rng(n_rows)
                alive = np.unique(alive[rng.integers(0, alive.size, REFERENCE_SAMPLE)])
            self._ref_cache = (key, np.ascontiguousarray(self.index._mat[alive]), sampled, alive)
        return self._ref_cache[1], self._ref_cache[2], self._ref_cache[3]

    def _score(self, ctx: UserContext, rows: np.ndarray | None = None,
               rows_hold_best: bool = False, typed: bool = False) -> Scored:
        """Score `rows` (default: every live item) for one context.

        Each strategy is normalised with statistics of the whole live catalogue, not of the
        rows asked for, so a score means the same thing whether one candidate or all items
        are ranked (binary like/dislike scoring relies on that). On a large catalogue the
        median comes from a fixed sample of rows (`_reference`) and the best match from the
        ANN, so no request reads every item: `rows_hold_best` says the rows already contain
        each query's nearest neighbours (they came from the ANN, or they are every item).
        `typed` says the context's text came with this request (not from a stored profile),
        so a title in it counts as asked for (`named_rows`).
        """
        n_rows = self._n_rows()
        unknown = [h.item for h in ctx.history if h.item not in self.index]
        if unknown:
            raise UnknownItemError(unknown, "history")
        signed = sign_history(ctx.history, self.scale)
        hrows = self.index.rows(signed.items)
        hprefs = np.asarray(signed.prefs, dtype=np.float64)
        if rows is None:
            rows, rows_hold_best = np.flatnonzero(self.index._alive[:n_rows]), True
        # a sampled reference may miss a query's best match: the ANN (or, without one, a
        # scan) supplies it when the rows are a restricted candidate list
        ref_mat, sampled, ref_rows = self._reference(n_rows)
        mat = self.index._mat
        n_pos = int((hprefs > 0).sum())
        w = self.weights_for(n_pos)
        ramp = self.config.handover is None  # learned weights replace the hand-set ramps

        def similarity(vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """(raw, relative) similarity of `rows` to a query vector."""
            # most of the catalogue: one product over the contiguous view, then pick the rows
            # (`mat[rows]` would first copy the whole matrix, 150 MB at 100k items)
            raw = (mat[:n_rows] @ vec)[rows] if 4 * rows.size >= n_rows else mat[rows] @ vec
            ref_sims = ref_mat @ vec
            top = float(raw.max()) if raw.size else None
            if sampled and not rows_hold_best:
                hits = self.ann.search(vec, 1)[0] if self.ann is not None else []
                best = hits[0][1] if hits else float(self.index.scores(vec).max())
                top = best if top is None else max(top, best)
            return raw, _relative(raw, anchors=_scale(ref_sims, top))

        named = self.named_rows(ctx.text) if typed else {}

        def sentence_match(text: str, words: str, keep: dict[int, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
            """(raw, relative, the words' vector when field values took part) match of `rows`
            to a visitor's phrase: the whole description's similarity (of `text`, which may
            be framed by the template) mixed with that of the item's closest field value to
            the visitor's own `words` (`field_match`), so title words cannot carry an item
            alone. The items in `keep` (named by title) keep the whole-description match where
            it is higher."""
            raw, rel = similarity(self._encode_query(text))
            share = self.config.field_match
            if share <= 0 or not len(self.field_values):
                return raw, rel, None
            vec = self._encode_query(words)
            best = self.field_values.best(vec, n_rows, words)
            # the median item with values, from the reference rows when enough of them have
            # values (a request then reads no full column), else from every such item
            ref = best[ref_rows]
            ref = ref[~np.isnan(ref)]
            if ref.size < MIN_VALUE_REFERENCE:
                ref = best[~np.isnan(best)]
            top = float(np.nanmax(best)) if ref.size else 0.0
            mid = float(np.median(ref)) if ref.size else 0.0
            if ref.size == 0 or top - mid <= 1e-6:
                return raw, rel, None  # no value tells the items apart (all "book"): words only
            by_value = _relative(best[rows], anchors=(mid, top))
            mixed = (1.0 - share) * rel + share * np.where(np.isnan(by_value), rel, by_value)
            if keep:
                hit = np.isin(rows, np.fromiter(keep, dtype=np.int64, count=len(keep)))
                mixed[hit] = np.maximum(mixed[hit], rel[hit])
            return raw, mixed, vec

        parts: dict[str, np.ndarray] = {}
        weights: dict[str, float] = {}
        raw_text = text_vector = None
        if ctx.text:
            wanted, avoid = self.text_queries(ctx.attributes, ctx.text)
            if wanted is not None:
                words = self.typed_words(ctx.text) or wanted
                raw_text, parts["text"], text_vector = sentence_match(wanted, words, named)
                weights["text"] = w.text
            if avoid and self.config.avoid_weight > 0:
                # only items closer to an avoided phrase than the median item are pushed down,
                # and, when the sentence says what is wanted, closer than the median *wanted*
                # item: in "sports, no football" basketball resembles football far more than
                # the catalogue's median item does, yet it is what was asked for
                near = np.max([sentence_match(a, a, {})[1] for a in avoid], axis=0)
                if "text" in parts:
                    near = _beyond_wanted(near, parts["text"])
                parts["avoid"] = -np.maximum(near, 0.0)
                weights["avoid"] = self.config.avoid_weight
        elif ctx.attributes:
            q = self._encode_query(self.describer.user(ctx.attributes))
            parts["attributes_text"] = similarity(q)[1]
            weights["attributes_text"] = w.attributes_text
        if hrows.size:
            hv = history_vector(mat[hrows], hprefs)
            parts["history"] = similarity(hv)[1]
            weights["history"] = w.history
            if self.population.cooc is not None:
                cols, vals = self.population.cooccurrence_sparse(hrows, hprefs)
                live = (cols < n_rows) & self.index._alive[np.minimum(cols, n_rows - 1)]
                top = float(np.abs(vals[live]).max()) if live.any() else 0.0
                if top > 0:
                    cf = np.zeros(n_rows, dtype=np.float64)
                    cf[cols[live]] = vals[live]
                    parts["cooccurrence"] = cf[rows] / top
                    # the collaborative signal earns trust with every positive pick
                    weights["cooccurrence"] = w.cooccurrence * (min(1.0, (n_pos + 1) / 4.0) if ramp else 1.0)
        if n_pos > 0 and self.population.taste is not None:
            new = self._taste_part(ctx, rows, n_rows)
            if new is not None:
                # for an item no interaction has reached, the factors read from its description
                # stand in for the collaborative parts that cannot see it (taste.py); like
                # them, they earn trust with every positive pick
                parts["taste"] = new
                trust = min(1.0, (n_pos + 1) / 4.0) if ramp else 1.0
                weights["taste"] = trust * max(w.neighbours, w.cooccurrence)
        part, vote = self._neighbour_part(ctx, rows, n_rows, self.config.neighbour_kernel)
        if part is not None:
            parts["neighbours"] = part
            weights["neighbours"] = w.neighbours * (min(1.0, (n_pos + 1) / 4.0) if ramp else 1.0)
        if (
            self.beginnings is not None
            and n_pos >= BEGINNINGS_MIN_POSITIVES
            and (w.beginnings > 0 or self.config.handover is None)
        ):
            # scored at weight 0 too until a hand-over is learned: its replay must see it
            parts["beginnings"] = self._beginnings_part(ctx, rows, n_rows)
            weights["beginnings"] = w.beginnings
        pop = self.population.popularity_or_predicted(rows, n_rows, self.config.new_item_popularity)
        if self.population.pos[:n_rows].any():
            parts["popularity"] = pop
            # popularity matters most when we know least about the person
            weights["popularity"] = w.popularity / (1.0 + 0.15 * n_pos) if ramp else w.popularity
            qual_top = self.population.cached(("quality-scale", n_rows), lambda: self._quality_scale(n_rows))
            if qual_top > 0:
                # a new item's is read from its description (taste.py), until it is rated
                parts["quality"] = self.population.quality_or_predicted(rows) / max(qual_top, 1e-9)
                weights["quality"] = w.quality
        matched: list[str] = []
        if ctx.attributes and self.population.groups:
            demo, matched = self.population.demographic_at(ctx.attributes, rows, n_rows)
            if matched:
                parts["demographic"] = demo
                weights["demographic"] = w.demographic / (1.0 + 0.15 * n_pos) if ramp else w.demographic
                if ramp and "popularity" in weights:  # the specific prior takes over from the global one
                    weights["popularity"] *= 0.5
        if ("demographic" not in parts and "popularity" in weights and self.population.groups
                and "text" not in parts and not hrows.size):
            # the log knows who people are, this visitor said nothing that places them (no
            # profile that matches a group, no picks, no wanted words): "popular with people
            # like you" is plain "popular" then. Without this a hand-over that learned to lean
            # on the profile (all its replayed users had one) ranked such a visitor in
            # catalogue order
            weights["popularity"] += w.demographic / (1.0 + 0.15 * n_pos) if ramp else w.demographic
        if "text" in parts and self.config.text_gate:
            # the sentence decides what is in play: every other part counts in proportion to
            # how far above the median item the item matches it, so the crowd orders the
            # matches instead of lifting popular items that match nothing; the floor still
            # lets it order the items the sentence cannot tell apart. What the sentence asks to
            # avoid counts against the match, or an avoided item would keep its full prior
            match = parts["text"] + (weights["avoid"] * parts["avoid"] if "avoid" in parts else 0.0)
            gate = TEXT_GATE_FLOOR + (1.0 - TEXT_GATE_FLOOR) * np.clip(match, 0.0, 1.0) ** self.config.text_gate_power
            for name in parts:
                if name not in ("text", "avoid"):
                    parts[name] = parts[name] * gate
        total = np.zeros(rows.shape[0], dtype=np.float64)
        for name, arr in parts.items():
            total += weights[name] * arr
        return Scored(rows, total, parts, weights, hrows, hprefs, matched, ctx, raw_text, vote, text_vector, named)

    def _population_prefs(self, history: Sequence[HistoryEntry]) -> np.ndarray:
        """A visitor's picks on the population's preference scale (`preference_arrays`, as
        the stored interactions were read), not the per-user one of `sign_history`."""
        nan = float("nan")
        return preference_arrays(
            np.array([nan if h.rating is None else h.rating for h in history], dtype=float),
            np.array([nan if h.weight is None else h.weight for h in history], dtype=float),
            np.array([nan if h.liked is None else float(h.liked) for h in history], dtype=float),
            self.config.rating_threshold, self._rating_range, self._weight_scale,
        )

    def _neighbour_part(
        self, ctx: UserContext, rows: np.ndarray, n_rows: int, kernel: NeighbourKernel
    ) -> tuple[np.ndarray | None, NeighbourVote | None]:
        """The similar-users score of `rows` in [0, 1], scaled by the best live item (not the
        best of `rows`, like every other part), and the vote behind it.

        The visitor's picks are put on the population's preference scale (`preference_arrays`,
        as the stored interactions were), not the per-user one of `sign_history`: agreement
        compares the visitor's 5 stars with a neighbour's 5 stars, so both must read alike."""
        nb = self.population.neighbours
        if nb is None:
            return None, None
        hist = ctx.history
        hprefs = self._population_prefs(hist)
        # an engagement without rating or like has no scale shared with the log's: NaN
        hprefs[[h.rating is None and h.liked is None for h in hist]] = np.nan
        hrows = self.index.rows([h.item for h in hist]) if hist else np.zeros(0, dtype=np.int64)
        vote = nb.vote(hrows, hprefs, ctx.attributes, kernel, exclude=ctx.user_id)
        if vote is None:
            return None, None
        n_vote = min(n_rows, vote.share.shape[0])
        live = vote.share[:n_vote][self.index._alive[:n_vote]]
        top = float(live.max()) if live.size else 0.0
        if top <= 0:
            return None, vote
        share = np.where(rows < n_vote, vote.share[np.minimum(rows, n_vote - 1)], 0.0)
        return share / top, vote

    def _taste_part(self, ctx: UserContext, rows: np.ndarray, n_rows: int) -> np.ndarray | None:
        """The taste-factor scores of the `rows` no interaction has reached (0 for the others,
        which the collaborative parts already score), scaled by the best live item, so a new
        item competes at a discount. The visitor's factor is folded in from their picks on
        the population's preference scale, the one the factors were learned on. None when
        no pick is liked on that scale, or no row is new."""
        taste = self.population.taste
        assert taste is not None
        hist = ctx.history
        hrows = self.index.rows([h.item for h in hist]) if hist else np.zeros(0, dtype=np.int64)
        user = taste.user_factor(hrows, self._population_prefs(hist))
        if user is None:
            return None
        full, warm = taste.scores(user, n_rows)
        top = float(np.abs(full, where=self.index._alive[:n_rows], out=np.zeros_like(full)).max()) if n_rows else 0.0
        if top <= 0:
            return None
        new = full[rows]  # a copy: the rows the log knows are zeroed in place
        new[warm[rows]] = 0.0
        if not new.any():
            return None
        new *= np.float32(1.0 / top)
        return new

    def _beginnings_part(self, ctx: UserContext, rows: np.ndarray, n_rows: int) -> np.ndarray:
        """The similar-beginnings score of `rows`: the networks' log-probability rescaled so
        the median modelled live item scores 0 and the best 1 (as `_relative` does for
        similarities); items the networks do not model (added since the last refit, or in
        a catalogue's long tail) score 0, the median.

        A pick counts as liked on the population's preference scale, the one the networks
        were trained on (`preference_arrays`, as for similar users)."""
        assert self.beginnings is not None
        hist = ctx.history  # `_score` has already refused items the catalogue lacks
        prefs = self._population_prefs(hist)
        logp = self.beginnings.log_probs([h.item for h in hist], (prefs > 0).tolist(), ctx.attributes)
        modelled = self.beginnings.rows(self.index)
        live = (modelled >= 0) & self.index._alive[np.maximum(modelled, 0)]
        full = np.zeros(n_rows, dtype=np.float64)
        if live.any():
            full[modelled[live]] = _relative(logp[live], _scale(logp[live]))
        return full[rows]

    def _quality_scale(self, n_rows: int) -> float:
        alive = self.index._alive[:n_rows]
        qual = self.population.quality(n_rows)[alive]
        return float(np.abs(qual).max()) if qual.size and qual.any() else 0.0

    def weights_for(self, n_pos: int) -> BlendWeights:
        """The blend weights for a user with `n_pos` positive interactions.

        With a learned hand-over (`learn_handover`), each evidence bucket has its own weights;
        otherwise the configured zero-shot weights apply, ramped inside `_score`.
        """
        if self.config.handover is None:
            return self.config.weights
        bucket = sum(1 for edge in EVIDENCE_EDGES[1:] if n_pos >= edge)
        return self.config.handover[bucket]

    def learn_handover(self, seed: int = 0, max_users: int = 300, show_progress: bool = False) -> dict[str, Any]:
        """Learn per-evidence blend weights on simulated new users carved from the interactions.

        See `dayone.recommender.handover`; the result is stored in the config (and so saved).
        """
        from dayone.recommender.handover import learn_handover

        return learn_handover(self, seed=seed, max_users=max_users, show_progress=show_progress)

    def _candidate_rows(
        self, ctx: UserContext, candidates: Iterable[str] | None, exclude: set[str], typed: bool = False
    ) -> np.ndarray | None:
        if candidates is not None:
            cand = list(dict.fromkeys(candidates))
            unknown = [c for c in cand if c not in self.index]
            if unknown:
                raise UnknownItemError(unknown, "candidates")
            return self.index.rows([c for c in cand if c not in exclude])
        if self.ann is None:
            return None
        # large catalogue: gather candidates from the ANN plus the population's favourites
        queries = []
        by_value: list[np.ndarray] = []
        n_rows = self._n_rows()
        if ctx.text or ctx.attributes:
            wanted, _ = self.text_queries(ctx.attributes, ctx.text)
            if wanted is not None:
                queries.append(self._encode_query(wanted))
                if ctx.text and self.config.field_match > 0 and len(self.field_values):
                    # the items carrying the closest field values may be far from the query in
                    # whole-description terms (`sentence_match`); among equal values, the popular
                    words = self.typed_words(ctx.text) or wanted
                    best = self.field_values.best(self._encode_query(words), n_rows, words)
                    lift = self.population.cached(("value-tiebreak", n_rows),
                                                  lambda: np.log1p(self.population.pos[:n_rows]) * 1e-6)
                    by_value.append(top_k(np.where(np.isnan(best), -np.inf, best + lift), ANN_CANDIDATES)
                                    .astype(np.int64))
        known = [h for h in ctx.history if h.item in self.index]
        if known:
            signed = sign_history(known, self.scale)
            queries.append(history_vector(self.index._mat[self.index.rows(signed.items)], np.asarray(signed.prefs)))
        # exclusions are applied after scoring, so the ANN needs no per-label filter
        found = [self._ann_neighbours(q) for q in queries] + by_value
        if typed:  # items named by title lead the list, wherever the ANN would place them
            named = self.named_rows(ctx.text)
            if named:
                found.append(np.fromiter(named, dtype=np.int64, count=len(named)))
        if known or ctx.attributes:
            # what the visitor's neighbours liked most may be far from every query vector
            _, vote = self._neighbour_part(
                ctx.model_copy(update={"history": known}), np.zeros(0, dtype=np.int64), n_rows,
                self.config.neighbour_kernel,
            )
            if vote is not None and vote.share.size:
                found.append(top_k(vote.share[:n_rows], NEIGHBOUR_CANDIDATES).astype(np.int64))
        if self._recent:
            recent = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
            recent = recent[self.index._alive[recent]]
            for q in queries:
                found.append(recent[top_k(self.index._mat[recent] @ q, RECENT_CANDIDATES)])
        popular = self.population.cached(("popular-rows", n_rows), lambda: self._popular_rows(n_rows))
        out = np.unique(np.concatenate([*found, popular]))
        return out[self.index._alive[out]]

    def _popular_rows(self, n_rows: int) -> np.ndarray:
        pop = np.where(self.index._alive[:n_rows], self.population.liked_counts[:n_rows], -np.inf)
        return top_k(pop, POPULAR_CANDIDATES).astype(np.int64)

    def recommend(
        self,
        context: UserContext | Mapping[str, Any] | str | None = None,
        n: int = 10,
        candidates: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        exclude_history: bool = True,
    ) -> list[Recommendation]:
        """Best `n` items for a user context (free text, attributes, history, or a known id)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        asked = self._context_for(context)
        ctx = self._merged(asked)
        typed = asked.text is not None
        banned = set(exclude or ())
        if exclude_history:
            banned.update(h.item for h in ctx.history)
        rows = self._candidate_rows(ctx, candidates, banned, typed)
        scored = self._score(ctx, rows, rows_hold_best=candidates is None and self.ann is not None, typed=typed)
        alive = np.ones(scored.rows.shape[0], dtype=bool)
        if banned:
            alive &= ~np.isin(scored.rows, self.index.rows(banned))
        idx = np.flatnonzero(alive)
        best = idx[top_k(scored.total[idx], n)]
        if scored.named:
            # the visitor typed a title: those items lead, the whole title first, then the list
            names = np.fromiter(scored.named, dtype=np.int64, count=len(scored.named))
            lead = idx[np.isin(scored.rows[idx], names)].tolist()
            lead.sort(key=lambda j: (-scored.named[int(scored.rows[j])], -float(scored.total[j])))
            first = set(lead)
            best = np.asarray((lead + [int(j) for j in best if int(j) not in first])[:n], dtype=np.int64)
        return [self._explain_at(scored, int(j)) for j in best]

    def predict_likes(
        self, context: UserContext | Mapping[str, Any] | str | None, items: Sequence[str]
    ) -> list[LikePrediction]:
        """How likely the user is to like each of `items` (a yes/no answer, where `recommend`
        gives an order): the user's like rate, where the item stands in their blended ranking
        of the whole catalogue, and how often the people who have the item liked it
        (`dayone.recommender.likes` says why all three), weighed as the hand-over's replayed
        users taught (`config.likes`) or by hand-set defaults. Items may be in the history
        (asked again: would they like it now)."""
        wanted = list(items)
        unknown = [i for i in wanted if i not in self.index]
        if unknown:
            raise UnknownItemError(unknown, "items")
        ctx = self._merged(self._context_for(context))
        asked = self._like_features(ctx, wanted)
        probs = likes.like_probability(asked.features, self.config.likes)
        liked, explicit = asked.liked, asked.explicit
        rate = asked.rate
        lg = self.describer.template.language
        if self.likes_only:
            told = say(lg, "likes_only")
        else:
            told = (say(lg, "like_rate", liked=liked, explicit=explicit, rate=rate, prior=self.like_prior)
                    if explicit else say(lg, "no_like_said", prior=self.like_prior))
        out = []
        for item, j, s, q, p in zip(wanted, asked.cols.tolist(), asked.standing.tolist(),
                                    asked.features[:, 3].tolist(), probs.tolist(), strict=True):
            # whole percents until the top, where a rounded "100%" would hide the difference
            # between the best item and one of the best thousand, so that is floored
            above = f"{np.floor(s * 1000) / 10:.1f}%" if s > 0.99 else f"{s:.0%}"
            why = self._explain_at(asked.scored, j)
            crowd = "" if abs(q) < 0.05 else say(lg, "standing_crowd", crowd=say(lg, "crowd_more" if q > 0
                                                                                 else "crowd_less"))
            out.append(LikePrediction(
                item=item, probability=float(p), like_rate=float(rate), standing=float(s), crowd=float(q),
                source=why.source,
                explanation=say(lg, "standing", told=told, above=above, crowd=crowd, why=why.explanation),
            ))
        return out

    def _like_features(self, ctx: UserContext, wanted: Sequence[str]) -> _LikeInputs:
        """What `predict_likes` adds up for `wanted` (`likes.like_features` rows), with what
        its answers say beside it. The hand-over's replay calls it on a shadow recommender to
        fit the weights."""
        scored = self._score(ctx)
        at = np.full(self._n_rows(), -1, dtype=np.int64)
        at[scored.rows] = np.arange(scored.rows.shape[0])
        rows = self.index.rows(list(wanted))
        cols = at[rows]
        if (cols < 0).any():  # not scored: removed since it was asked about
            raise UnknownItemError([i for i, c in zip(wanted, cols, strict=True) if c < 0], "items")
        stand = likes.standings(scored.total, cols)
        threshold = likes.like_threshold(self.config.rating_threshold, self._rating_range, ctx.history)
        liked, explicit = likes.explicit_likes(ctx.history, threshold)
        # a log without dislikes: every user's rate would read 100%, which orders nobody
        rate = 0.5 if self.likes_only else likes.shrunk_rate(liked, explicit, self.like_prior)
        pop, n = self.population, self._n_rows()
        seen_all = float(pop.cached(("seen", n), lambda: pop.seen[:n].sum()))
        share = float(pop.cached(("pos", n), lambda: pop.pos[:n].sum())) / seen_all if seen_all > 0 else 0.0
        quality = likes.quality_gain(pop.pos[rows], pop.seen[rows], share)
        return _LikeInputs(scored, cols, stand, likes.like_features(rate, stand, quality), liked, explicit, rate)

    def explain(self, context: UserContext | Mapping[str, Any] | str | None, item_id: str) -> Recommendation:
        """Score one item for a context and say why, with every strategy's contribution."""
        if item_id not in self.index:
            raise UnknownItemError([item_id], "explain")
        asked = self._context_for(context)
        ctx = self._merged(asked)
        # score against the whole catalogue: relative strategies need the other items
        scored = self._score(ctx, typed=asked.text is not None)
        j = int(np.flatnonzero(scored.rows == self.index.rows([item_id])[0])[0])
        return self._explain_at(scored, j)

    def _explain_at(self, scored: Scored, j: int) -> Recommendation:
        return explain_at(self, scored, j)

    # ------------------------------------------------------------------ items and users
    def similar_items(
        self, item_or_text: str, n: int = 10, exclude: Iterable[str] | None = None
    ) -> list[Recommendation]:
        """Items like a catalogue item (by id) or like a piece of text."""
        banned = set(exclude or ())
        if item_or_text not in self.index and self.config.title_lead:
            # "Crazy": a text that is one item's whole title asks for items like that item
            named = self.titles.named(item_or_text.strip()) if item_or_text.strip() else {}
            whole = [row for row, overlap in named.items() if overlap >= 1.0]
            if len(whole) == 1:
                item_or_text = self.index.id_at(whole[0])
        if item_or_text in self.index:
            ctx = UserContext(history=[HistoryEntry(item=item_or_text, liked=True)])
            banned.add(item_or_text)
            scored = self._score(ctx)
            # popularity alone must not decide "similar": keep only item-to-item evidence. The
            # similar-users part is that only when people who have the item voted; for an item
            # nobody has yet, its vote is the whole crowd's, i.e. popularity again
            vote = scored.neighbour_vote
            crowd = ("neighbours",) if vote is None or not (vote.from_picks and vote.people.size) else ()
            for name in ("popularity", "quality", "demographic", *crowd):
                if name in scored.weights:
                    scored.weights[name] = 0.0
            if "history" in scored.weights:
                # likeness of the descriptions always counts: a hand-over may learn to leave it
                # out after one pick (co-occurrence says more there), which left an item added
                # after the build, with no co-occurrence yet, "similar" to nothing at all
                scored.weights["history"] = max(scored.weights["history"], BlendWeights().history)
            (row,) = self.index.rows([item_or_text])
            if "taste" in scored.weights and not self.population.seen[row]:
                # an item nobody has met has only factors read from its description, as every
                # other new item does; those lie close together whatever the items are about,
                # so new items came out "similar" to each other (jazz to k-pop) on them
                scored.weights["taste"] = 0.0
        else:
            if not item_or_text.strip():
                raise ValueError("give an item id or a non-empty text")
            scored = self._score(UserContext(text=item_or_text))
            for name in ("popularity", "quality"):
                if name in scored.weights:
                    scored.weights[name] *= 0.3
        scored.total = sum(
            (scored.weights[k] * v for k, v in scored.parts.items()), np.zeros(scored.rows.shape[0])
        )
        alive = ~np.isin(scored.rows, self.index.rows(banned)) if banned else np.ones(scored.rows.shape[0], bool)
        idx = np.flatnonzero(alive)
        best = idx[top_k(scored.total[idx], n)]
        out = [self._explain_at(scored, int(j)) for j in best]
        if item_or_text in self.index:
            # the item stood in for a visitor's one like; nobody here "liked" it
            lg = self.describer.template.language
            title = say(lg, "title_mark", title=short_title(self.catalog.title(item_or_text)))
            verb = self.describer.template.liked_verb
            for rec in out:
                rec.explanation = (rec.explanation.replace(say(lg, "similar_drop", verb=verb), "")
                                   .replace(say(lg, "similar_people"), say(lg, "similar_people_as", verb=verb,
                                                                           title=title)))
        return out

    def users_for_item(self, item: str | Mapping[str, Any], n: int = 10) -> list[UserMatch]:
        """The known users a (possibly brand-new) item suits best, leaving out those who
        already have it, each with why (`reach.py`)."""
        return users_for_item(self, item, n)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        from dayone.recommender.persistence import save_recommender

        save_recommender(self, path)

    @classmethod
    def load(cls, path: str, encoder: Encoder | None = None) -> Recommender:
        from dayone.recommender.persistence import load_recommender

        return load_recommender(path, encoder)
