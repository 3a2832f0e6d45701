"""The short values an item carries (genres, tags, brand, artist), each encoded on its own.

Why: a catalogue's descriptions are often short, and then the title is a large share of what
the sentence encoder reads. A visitor's "slow-burn sci-fi" then lands on *BURN-E* and *Burn
After Reading* because both say "burn", not on the films filed under science fiction and
tagged "atmospheric". Matching the sentence against each of the item's values too (the best
one counts) gives a similarity that the title's words cannot move. The two are mixed by the
recommender (`RecommenderConfig.field_match`), and an item whose title the sentence names
keeps its whole-description match (`TitleWords`), so asking for a film by name still finds it.
Measured in docs/text_queries.md (`scripts/field_match_eval.py`).

Values are few next to items (a catalogue's genres and tags repeat), so encoding them costs a
fraction of encoding the descriptions, and a request adds one product with the value matrix
and a maximum over each item's handful of values.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from dayone.data.field_roles import MAKER_KEYS, PROSE_KEYS, TITLE_KEYS

NOT_VALUES = PROSE_KEYS
MAX_VALUE_CHARS = 64
MAX_VALUE_WORDS = 6
# Chinese and Japanese write words without spaces: a value is judged by its characters there
# (人工智能 is 4, a headline 15-30)
MAX_VALUE_CJK = 12
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_VALUES_PER_ITEM = 16  # the table is as wide as the widest item: every request reads it all
# beyond this many distinct values new ones are not encoded (items keep the values known so far)
MAX_VALUES = 200_000
# fields that name who made the item, not what it is: their values count for a sentence only
# when the sentence names them (all their words typed). By meaning, "digital caliper" is
# close to the brand "HM Digital" and "soldering iron" to "J-B Weld", which lifted a maker's
# whole range for a shared word (docs/text_queries.md, "Makers' names")
MAKER_FIELDS = MAKER_KEYS
IDENTIFYING_MIN_ITEMS = 50
IDENTIFYING_SHARE = 0.8  # the demo's tags: 1,294 distinct of 3,119 (0.41); SKUs and ISBNs: ~1
# a sentence names an item when their words overlap this much (Jaccard over word sets)
NAMED_OVERLAP = 2 / 3
# a longer text is not split into values: a description, not a path or a list
MAX_SPLIT_CHARS = 400
_SEPARATORS = re.compile(r"\s*[,;>/»›|，；、／｜]\s*")
_LIST_MARKS = re.compile(r"\s*[|、]\s*")
_JOINERS = re.compile(r"\s+(?:&|and)\s+", re.IGNORECASE)
_YEAR = re.compile(r"\s*\(\d{4}\)\s*$")
_WORD = re.compile(r"\w+")
# letters NFKD does not take apart
_LATIN_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def _fold(text: str) -> str:
    """Lower case without accents on Latin letters ("Beyoncé", "Bjørk" -> "beyonce",
    "bjork"), since visitors type names without them; other scripts are left alone (NFKD
    would take Korean syllables apart)."""
    low = text.lower()
    if low.isascii():
        return low
    out = []
    for ch in low.translate(_LATIN_EXTRA):
        if ord(ch) < 0x2B0 or 0x1E00 <= ord(ch) <= 0x1EFF:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out)


def words(text: str) -> frozenset[str]:
    """The folded words of a text, as titles, makers and typed sentences are compared."""
    return frozenset(_WORD.findall(_fold(text)))


_FLAG_WORDS = frozenset({"true", "false", "yes", "no", "none", "null", "nan", "n/a", "na", "unknown"})


def _value(x: object) -> str | None:
    """A field value worth matching: a short string that is not a number."""
    if isinstance(x, bool) or not isinstance(x, str):
        return None
    s = " ".join(x.split())
    if not s or len(s) > MAX_VALUE_CHARS or len(s.split()) > MAX_VALUE_WORDS:
        return None
    if len(_CJK.findall(s)) > MAX_VALUE_CJK:
        return None
    # a flag or a two-letter code ("true", "ko", "en"): no meaning for a sentence to meet, and
    # a near neighbour of many typed words ("Sigur Ros" matched Korean songs through "ko")
    if s.lower() in _FLAG_WORDS or (s.isascii() and len(s) < 3):
        return None
    # years, sizes, dates and times (2025-04-07T08:00:00Z): the encoder reads them poorly
    if re.fullmatch(r"[\d\s.,:/+-]+|\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?", s):
        return None
    return s


def _parts(raw: object) -> list[object]:
    """A field's values: a list's elements, or a string split on "|" (the catalogues' usual
    way to put several genres in one column, as the service's category filter reads it) and
    on "、", the Chinese list mark, which never joins the words of one name."""
    items = list(raw) if isinstance(raw, list | tuple) else [raw]
    return [p for x in items for p in (_LIST_MARKS.split(x) if isinstance(x, str) else [x])]


def _values_in(raw: object) -> list[str]:
    """A field's matchable values. A value too long to be one (a category path such as
    "Tools > Measuring > Digital Calipers", a list of features) is split at its separators
    (, ; > / » | and then & / "and"), and each piece short enough counts: the leaf of a path
    is often exactly what a visitor types, and without it a product's only value may be its
    brand, which then decides the match on a shared word."""
    out: list[str] = []
    for x in _parts(raw):
        v = _value(x)
        if v is not None:
            out.append(v)
        elif isinstance(x, str) and len(x) <= MAX_SPLIT_CHARS:
            for piece in _SEPARATORS.split(x):
                v = _value(piece)
                if v is None and piece.strip():
                    out.extend(w for w in (_value(p) for p in _JOINERS.split(piece)) if w is not None)
                elif v is not None:
                    out.append(v)
    return out


def values_of(fields: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> list[str]:
    """The values of an item's fields that are matched on their own: the short strings of
    list fields (genres, tags) and short string fields (brand, category), in field order,
    without repeats (case-insensitive), at most MAX_VALUES_PER_ITEM; fields in `skip` (see
    `identifying_fields`) are left out."""
    out: list[str] = []
    seen: set[str] = set()
    for key, raw in fields.items():
        if str(key).lower() in NOT_VALUES or key in skip:
            continue
        for v in _values_in(raw):
            if v.lower() not in seen:
                seen.add(v.lower())
                out.append(v)
                if len(out) == MAX_VALUES_PER_ITEM:
                    return out
    return out


def identifying_fields(fields: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Fields whose values mostly belong to one item each (a SKU, an ISBN, an author of one
    book): in a batch of at least IDENTIFYING_MIN_ITEMS items, those where more than
    IDENTIFYING_SHARE of the values seen are distinct. They describe no group of items for a
    sentence to match, and encoding them would cost as much as encoding the catalogue again;
    the whole description still carries them."""
    if len(fields) < IDENTIFYING_MIN_ITEMS:
        return frozenset()
    seen: dict[str, int] = {}
    distinct: dict[str, set[str]] = {}
    for f in fields:
        for key, raw in f.items():
            if str(key).lower() in NOT_VALUES:
                continue
            for v in _values_in(raw):
                seen[key] = seen.get(key, 0) + 1
                distinct.setdefault(key, set()).add(v.lower())
    return frozenset(k for k, n in seen.items() if len(distinct[k]) > IDENTIFYING_SHARE * n)


class FieldValues:
    """Each item row's field values, and one vector per distinct value.

    The rows' value ids live in one padded matrix (rows x the most values any item has, -1 for
    none), so adding or removing an item writes one row and a request gathers and reduces
    one block: no per-item structure is rebuilt when the catalogue changes.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.values: list[str] = []
        self._vid: dict[str, int] = {}
        self._lower: set[str] = set()
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._table = np.full((0, 1), -1, dtype=np.int32)  # item row -> value ids, -1 padded
        # identifying fields (`identifying_fields`), decided on the largest batch added so far
        self.skipped: frozenset[str] = frozenset()
        self._decided_on = 0
        # values that came from a maker's field (MAKER_FIELDS), with their words: they count
        # only for a sentence that types all of those words
        self._maker_words: dict[int, frozenset[str]] = {}
        self._maker_by_word: dict[str, set[int]] = {}
        self._maker_ids = np.zeros(0, dtype=np.int64)
        # the last answer of `best`: a request asks it for its candidates and for its scores
        self._last: tuple[tuple[bytes, frozenset[str] | None], int, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def __contains__(self, value: object) -> bool:
        return value in self._vid

    def has_value(self, text: str) -> bool:
        """Whether `text` is one of the values, ignoring case, accents and spacing."""
        return _fold(" ".join(text.split())) in self._lower

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors

    def preload(self, values: Sequence[str], vectors: np.ndarray, skipped: frozenset[str] | None = None) -> None:
        """Value vectors saved with a model, so loading it encodes nothing already known, and
        the identifying fields it had decided on, so the load keeps that decision."""
        if skipped is not None:
            self.skipped, self._decided_on = skipped, 1 << 62  # the saved decision stands
        if vectors.shape != (len(values), self.dim):
            raise ValueError(f"{len(values)} values but vectors of shape {vectors.shape}")
        first = {v: k for k, v in reversed(list(enumerate(values)))}  # a repeated value: its first vector
        fresh = [(v, k) for v, k in sorted(first.items(), key=lambda p: p[1]) if v not in self._vid]
        self._append([v for v, _ in fresh], vectors[[k for _, k in fresh]])

    def _append(self, values: list[str], vectors: np.ndarray) -> None:
        if not values:
            return
        self._last = None
        for v in values:
            self._vid[v] = len(self.values)
            self.values.append(v)
            self._lower.add(_fold(v))
        vecs = np.asarray(vectors, dtype=np.float32).reshape(len(values), self.dim)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        self._vectors = np.vstack([self._vectors, vecs / np.where(norms > 0, norms, 1.0)])

    def _reserve(self, rows: int, width: int) -> None:
        """Grow the table (doubling its rows) to hold `rows` rows of `width` values."""
        cap, have = self._table.shape
        if rows <= cap and width <= have:
            return
        grown = np.full((max(rows, 2 * cap) if rows > cap else cap, max(width, have)), -1, dtype=np.int32)
        grown[:cap, :have] = self._table
        self._table = grown

    def add(self, rows: Iterable[int], fields: Sequence[Mapping[str, Any]],
            encode: Callable[[list[str]], np.ndarray]) -> None:
        """Record the values of items at `rows` (replacing what a row had), encoding the
        values not seen before in one batch."""
        rows = [int(r) for r in rows]
        if len(fields) >= max(IDENTIFYING_MIN_ITEMS, self._decided_on):  # a catalogue load, say
            self.skipped, self._decided_on = identifying_fields(fields), len(fields)
        per_item = [values_of(f, self.skipped) for f in fields]
        new = list(dict.fromkeys(v for vs in per_item for v in vs if v not in self._vid))
        new = new[: max(0, MAX_VALUES - len(self.values))]
        if new:
            self._append(new, encode(new))
        for f in fields:
            for key, raw in f.items():
                if str(key).lower() in MAKER_FIELDS and key not in self.skipped:
                    for v in _values_in(raw):
                        if v in self._vid and self._vid[v] not in self._maker_words:
                            vid = self._vid[v]
                            self._maker_words[vid] = words(v)
                            for w in self._maker_words[vid]:
                                self._maker_by_word.setdefault(w, set()).add(vid)
        if len(self._maker_words) != self._maker_ids.size:
            self._maker_ids = np.fromiter(self._maker_words, dtype=np.int64, count=len(self._maker_words))
        ids = [[self._vid[v] for v in vs if v in self._vid] for vs in per_item]
        if rows:
            self._reserve(max(rows) + 1, max((len(i) for i in ids), default=1))
        for row, item_ids in zip(rows, ids, strict=True):
            self._table[row] = -1
            self._table[row, : len(item_ids)] = item_ids
        self._last = None

    def live(self) -> tuple[list[str], np.ndarray]:
        """The values some item still carries, with their vectors (what a save keeps: values
        of removed or changed items are dropped there)."""
        used = np.unique(self._table[self._table >= 0])
        return [self.values[int(k)] for k in used], self._vectors[used]

    def remove(self, rows: Iterable[int]) -> None:
        for row in rows:
            if int(row) < self._table.shape[0]:
                self._table[int(row)] = -1
        self._last = None

    def _sims(self, q: np.ndarray, typed: frozenset[str] | None) -> np.ndarray:
        """The query's cosine to every value, and -inf for a maker's name the words do not type."""
        sims = np.empty(len(self.values) + 1, dtype=np.float32)
        sims[:-1] = self._vectors @ q
        sims[-1] = -np.inf  # where the table's -1 (no value) points
        if self._maker_ids.size:
            typed_makers = {vid for w in (typed or ()) for vid in self._maker_by_word.get(w, ())
                            if self._maker_words[vid] <= (typed or frozenset())}
            kept = sims[list(typed_makers)] if typed_makers else None
            sims[self._maker_ids] = -np.inf
            if kept is not None:
                sims[list(typed_makers)] = kept
        return sims

    def best(self, query: np.ndarray, n_rows: int, text: str | None = None) -> np.ndarray:
        """Per item row, the cosine of the query to the item's closest value; NaN where the
        item has none. `text`: the words the query came from, which decide whether a maker's
        name counts (`MAKER_FIELDS`; without them none does). The result is shared with the
        next identical call: do not modify it."""
        q = np.asarray(query, dtype=np.float32)
        typed = typed_words(text)
        key = (q.tobytes(), typed if self._maker_words else None)
        last = self._last  # one read: another request may replace it meanwhile
        if last is not None and last[0] == key and last[1] == n_rows:
            return last[2]
        out = np.full(n_rows, np.nan, dtype=np.float64)
        held = min(n_rows, self._table.shape[0])
        if held and self.values:
            sims = self._sims(q, typed)
            table = self._table[:held]
            top = sims[table[:, 0]]
            for col in range(1, table.shape[1]):
                np.maximum(top, sims[table[:, col]], out=top)
            out[:held] = np.where(np.isneginf(top), np.nan, top)
        out.flags.writeable = False
        self._last = (key, n_rows, out)
        return out

    def closest(self, query: np.ndarray, row: int, text: str | None = None) -> tuple[str, float] | None:
        """The item's value closest to the query, for explanations (a maker's name only when
        `text` types it, as in `best`)."""
        if int(row) >= self._table.shape[0]:
            return None
        ids = self._table[int(row)]
        typed = typed_words(text)
        ids = np.asarray([k for k in ids[ids >= 0].tolist()
                          if k not in self._maker_words or (typed is not None and self._maker_words[k] <= typed)],
                         dtype=np.int64)
        if ids.size == 0:
            return None
        sims = self._vectors[ids] @ np.asarray(query, dtype=np.float32)
        k = int(np.argmax(sims))
        return self.values[int(ids[k])], float(sims[k])


def typed_words(text: str | None) -> frozenset[str] | None:
    """The lower-cased words of a visitor's text (None without text)."""
    return words(text) if text else None


def title_words(fields: Mapping[str, Any]) -> frozenset[str]:
    """The lower-cased words of an item's title, without a trailing "(1995)"."""
    for key in TITLE_KEYS:
        if fields.get(key):
            return words(_YEAR.sub("", str(fields[key])))
    return frozenset()


class TitleWords:
    """Which items a sentence names: an inverted index from title words to item rows.

    Why: the field-value match ignores titles on purpose, so a sentence that *is* a title
    ("the magnificent seven") must still find that item; items whose title shares at least
    NAMED_OVERLAP of the words (Jaccard) with the sentence are marked as named.
    """

    def __init__(self) -> None:
        self._words: dict[int, frozenset[str]] = {}
        self._postings: dict[str, set[int]] = {}
        self._arrays: dict[str, np.ndarray] = {}  # postings as arrays, rebuilt when one changes
        self._memo: dict[str, dict[int, float]] = {}  # a request asks twice for the same text
        self._sizes = np.zeros(0, dtype=np.int32)  # per row, how many words its title has

    def add(self, rows: Iterable[int], fields: Sequence[Mapping[str, Any]]) -> None:
        for row, f in zip(rows, fields, strict=True):
            self.remove([row])
            words = title_words(f)
            if words:
                if int(row) >= self._sizes.size:
                    grown = np.zeros(max(int(row) + 1, 2 * self._sizes.size), dtype=np.int32)
                    grown[: self._sizes.size] = self._sizes
                    self._sizes = grown
                self._sizes[int(row)] = len(words)
                self._words[int(row)] = words
                for w in words:
                    self._postings.setdefault(w, set()).add(int(row))
                    self._arrays.pop(w, None)
        self._memo.clear()

    def remove(self, rows: Iterable[int]) -> None:
        for row in rows:
            for w in self._words.pop(int(row), frozenset()):
                self._arrays.pop(w, None)
                post = self._postings.get(w)
                if post is not None:
                    post.discard(int(row))
                    if not post:
                        del self._postings[w]
        self._memo.clear()

    def _posting(self, word: str) -> np.ndarray:
        arr = self._arrays.get(word)
        if arr is None:
            arr = np.fromiter(self._postings.get(word, ()), dtype=np.int64)
            self._arrays[word] = arr
        return arr

    def named(self, text: str) -> dict[int, float]:
        """The items whose title the text names: row -> word overlap (Jaccard, 1 for the
        whole title and nothing else)."""
        hit = self._memo.get(text)
        if hit is not None:
            return hit
        query = words(text)
        q = len(query)
        out: dict[int, float] = {}
        need = math.ceil(NAMED_OVERLAP * q - 1e-9)  # words of the query a named title holds
        if q and sum(w in self._postings for w in query) >= need:
            # such a title misses at most q - need of the words, so it holds one of any
            # q - need + 1 of them: only the rarest such words' rows are read, never "the"'s
            # unless the query is little more than "the"
            rarest = sorted(query, key=lambda w: len(self._postings.get(w, ())))[: q - need + 1]
            found = [self._posting(w) for w in rarest if w in self._postings]
            rows = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
            # o / (q + t - o) >= 2/3 with o <= q needs a title of at most 1.5 q words
            rows = rows[self._sizes[rows] <= 1.5 * q]
            for row in rows.tolist():
                o = len(query & self._words[row])
                share = o / (q + len(self._words[row]) - o)
                if share >= NAMED_OVERLAP - 1e-9:
                    out[row] = share
        if len(self._memo) >= 256:
            self._memo.clear()
        self._memo[text] = out
        return out
