"""Dataset adapters: raw public formats and a team's own files -> one `EvalData`.

The protocols only need a catalogue, an interactions table (the core six columns: user, item,
rating, weight, liked, ts) and optional user profiles, so every source is turned into exactly
that. Raw formats are read by path and never copied (MovieLens terms forbid redistribution).
Bad files fail with a `DataError` that names the file, the row and the field.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dayone.data import (
    Catalog,
    DataError,
    InteractionMapping,
    ItemMapping,
    UserMapping,
    UserTable,
    load_interactions,
    load_items,
    load_users,
    normalise_interactions,
)
from dayone.data.interactions import default_like_threshold, rating_scale

ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip


@dataclass
class EvalData:
    """Everything a protocol splits: items, who did what, and who they are."""

    name: str
    catalog: Catalog
    interactions: pd.DataFrame
    users: UserTable = field(default_factory=UserTable)
    domain: str = "generic"
    has_timestamps: bool = True
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        df = self.interactions
        signal = [c for c in ("rating", "weight", "liked") if df[c].notna().any()]
        return {
            "name": self.name,
            "domain": self.domain,
            "items": len(self.catalog),
            "users": int(df["user"].nunique()),
            "interactions": len(df),
            "users_with_profile": len(self.users),
            "signals": signal or ["implicit"],
            "timestamps": self.has_timestamps,
            "notes": self.notes,
        }


def _lines(path: Path, encoding: str) -> list[str]:
    if not path.exists():
        raise DataError("file not found", file=str(path))
    try:
        return path.read_text(encoding=encoding).splitlines()
    except UnicodeDecodeError as e:
        raise DataError(f"cannot decode as {encoding}: {e.reason}", file=str(path)) from None


def _fields(
    lines: Sequence[str], path: Path, sep: str, n_fields: int, skip_blank: bool
) -> Iterator[tuple[int, list[str]]]:
    """(row, fields) of each line split on ``sep``, rows numbered from 1; a line with another
    number of fields fails with a `DataError` naming the file and row. Every delimited format
    read here goes through this check, so its wording is the same for all of them.

    ``skip_blank`` passes over empty lines: the MovieLens files are read that way, the RecBole
    ones are not (a blank line there is a malformed row, and stays an error)."""
    what = "TAB-separated" if sep == "\t" else repr(sep)
    for row, line in enumerate(lines, 1):
        if skip_blank and not line.strip():
            continue
        p = line.split(sep)
        if len(p) != n_fields:
            raise DataError(
                f"expected {n_fields} {what} fields, got {len(p)}", file=str(path), row=row
            )
        yield row, p


def load_movielens_100k(path: str | Path) -> EvalData:
    """Read the original ML-100K files: ``u.data`` (TAB: user item rating ts), ``u.item``
    (latin-1, ``|``: id|title|release date|video date|url|19 genre flags) and ``u.user``
    (``|``: id|age|gender|occupation|zip)."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(
            "not a folder (expected the ml-100k folder with u.data, u.item, u.user)", file=str(root)
        )
    items: list[dict[str, Any]] = []
    item_file = root / "u.item"
    item_lines = _lines(item_file, "latin-1")
    for row, p in _fields(item_lines, item_file, "|", 5 + len(ML100K_GENRES), skip_blank=True):
        flags = p[5:]
        if any(f not in ("0", "1") for f in flags):
            raise DataError("genre flags must be 0/1", file=str(item_file), row=row, field="genres")
        m = re.search(r"\((\d{4})\)\s*$", p[1])
        items.append(
            {
                "id": p[0],
                "title": p[1],
                "year": int(m.group(1)) if m else None,
                "release_date": p[2] or None,
                "genres": [g for g, f in zip(ML100K_GENRES, flags, strict=True) if f == "1"],
            }
        )
    catalog = Catalog.from_records(items, source=str(item_file))

    data_file = root / "u.data"
    rows = []
    for row, p in _fields(_lines(data_file, "utf-8"), data_file, "\t", 4, skip_blank=True):
        try:
            rating, ts = float(p[2]), float(p[3])
        except ValueError:
            raise DataError(
                "rating and timestamp must be numbers", file=str(data_file), row=row
            ) from None
        if p[1] not in catalog:
            raise DataError(f"unknown item {p[1]!r}", file=str(data_file), row=row, field="item")
        rows.append((p[0], p[1], rating, ts))
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "ts"])

    users = UserTable()
    user_file = root / "u.user"
    if user_file.exists():
        user_lines = _lines(user_file, "latin-1")
        for row, p in _fields(user_lines, user_file, "|", 5, skip_blank=True):
            if not p[1].isdigit():
                raise DataError(
                    f"age must be an integer, got {p[1]!r}",
                    file=str(user_file),
                    row=row,
                    field="age",
                )
            users.add(p[0], {"age": int(p[1]), "gender": p[2], "occupation": p[3], "zip": p[4]})
    return EvalData(
        name="ml-100k",
        catalog=catalog,
        interactions=normalise_interactions(df),
        users=users,
        domain="movie",
        has_timestamps=True,
    )


def _read_inter(path: Path) -> list[tuple[str, list[str], str]]:
    lines = _lines(path, "utf-8")
    if not lines or not lines[0].startswith("user_id:token"):
        raise DataError(
            "expected a RecBole header 'user_id:token\\titem_id_list:token_seq\\titem_id:token'",
            file=str(path),
            row=0,
        )
    return [
        (p[0], p[1].split(), p[2])
        for _row, p in _fields(lines[1:], path, "\t", 3, skip_blank=False)
    ]


def load_unisrec(path: str | Path, name: str = "Scientific") -> EvalData:
    """Read a UniSRec/RecBole downstream dataset (``NAME.text``, ``NAME.item2index``,
    ``NAME.user2index``, ``NAME.{train,valid,test}.inter``) as implicit, ordered interactions.

    Each user's sequence is rebuilt as: train sequence (shortest train prefix + every train
    target, in reverse file order because histories are capped at 50) + valid target + test
    target. There are no timestamps: ``ts`` is the 0-based position in the sequence.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataError("not a folder", file=str(root))

    def two_cols(fname: str) -> dict[str, str]:
        f = root / fname
        return {p[1]: p[0] for _row, p in _fields(_lines(f, "utf-8"), f, "\t", 2, skip_blank=False)}

    idx2item = two_cols(f"{name}.item2index")
    idx2user = two_cols(f"{name}.user2index")
    text_file = root / f"{name}.text"
    text_lines = _lines(text_file, "utf-8")
    items = []
    for row, line in enumerate(text_lines[1:], 1):
        p = line.split("\t", 1)
        if len(p) != 2:
            raise DataError("expected 'item_id<TAB>text'", file=str(text_file), row=row)
        items.append({"id": p[0], "title": _unisrec_title(p[1]), "text": p[1].strip()})
    catalog = Catalog.from_records(items, source=str(text_file))
    missing = [a for a in idx2item.values() if a not in catalog]
    if missing:
        raise DataError(
            f"{len(missing)} indexed item(s) have no text, e.g. {missing[0]!r}", file=str(text_file)
        )

    rows_by_user: dict[str, list[tuple[list[str], str]]] = defaultdict(list)
    for u, hist, t in _read_inter(root / f"{name}.train.inter"):
        rows_by_user[u].append((hist, t))
    valid = {u: (h, t) for u, h, t in _read_inter(root / f"{name}.valid.inter")}
    test = _read_inter(root / f"{name}.test.inter")
    users_out, items_out, pos_out = [], [], []
    for u, _h, t in test:
        rows = rows_by_user.get(u, [])[::-1]
        if rows:
            seq = list(rows[0][0]) + [r[1] for r in rows]
        elif u in valid:
            seq = list(valid[u][0])
        else:
            seq = []
        if u in valid:
            seq.append(valid[u][1])
        seq.append(t)
        for pos, i in enumerate(seq):
            if i not in idx2item:
                raise DataError(
                    f"user {u}: unknown item index {i!r}", file=str(root / f"{name}.test.inter")
                )
            users_out.append(idx2user.get(u, u))
            items_out.append(idx2item[i])
            pos_out.append(float(pos))
    df = pd.DataFrame({"user": users_out, "item": items_out, "ts": pos_out})
    return EvalData(
        name=name.lower(),
        catalog=catalog,
        interactions=normalise_interactions(df),
        users=UserTable(),
        domain="product",
        has_timestamps=False,
        notes=["implicit feedback, every interaction positive; ts = position in the sequence"],
    )


def _unisrec_title(text: str) -> str:
    """UniSRec text is "title. categories. brand."; the title is what precedes the categories."""
    for sep in (". Industrial & Scientific", ". . "):
        if sep in text:
            return text.split(sep, 1)[0].strip()
    return text.strip().rstrip(".").strip()


def load_files(
    interactions: str | Path,
    items: str | Path,
    users: str | Path | None = None,
    interaction_mapping: InteractionMapping | None = None,
    item_mapping: ItemMapping | None = None,
    user_mapping: UserMapping | None = None,
    domain: str = "generic",
    name: str | None = None,
    encoding: str = "utf-8",
) -> EvalData:
    """A team's own files, through the core loaders (CSV/TSV/JSONL/Parquet with mappings)."""
    catalog = load_items(items, item_mapping, encoding=encoding)
    df = load_interactions(interactions, interaction_mapping, catalog, encoding=encoding)
    # profiles keyed like the interactions' user column (`user_id`, `customer_id`) load too
    keyed = str(df.attrs.get("user_column", "user"))
    table = load_users(users, user_mapping, encoding, id_fallbacks=(keyed,)) if users else UserTable()
    has_ts = bool(df["ts"].notna().all()) and len(df) > 0
    notes = list(df.attrs.get("notes", []))
    if not has_ts:
        notes.append("no timestamps: file order is taken as time")
    if not has_ts:
        df = df.copy()
        df["ts"] = df.groupby("user").cumcount().astype(float)
    return EvalData(
        name=name or Path(interactions).stem,
        catalog=catalog,
        interactions=df,
        users=table,
        domain=domain,
        has_timestamps=has_ts,
        notes=notes,
    )


def load_movielens_latest(path: str | Path, name: str | None = None) -> EvalData:
    """Read a MovieLens "latest"-format folder (``ratings.csv``: userId,movieId,rating,timestamp;
    ``movies.csv``: movieId,title,genres), the format of ml-latest-small, ml-25m and ml-32m and
    of the packaged demo catalogue. ``tags.csv`` is not read: the tags were written by the
    same users, so a held-out user's or a cold item's tags would leak into the split."""
    root = Path(path)
    return load_files(
        root / "ratings.csv",
        root / "movies.csv",
        interaction_mapping=InteractionMapping(user="userId", item="movieId", rating="rating", ts="timestamp"),
        item_mapping=ItemMapping(id="movieId", text=["title"], categorical=["genres"]),
        domain="movie",
        name=name or root.name,
    )


def detect_and_load(
    path: str | Path,
    items: str | Path | None = None,
    users: str | Path | None = None,
    domain: str | None = None,
    unisrec_name: str | None = None,
    files: dict[str, Any] | None = None,
) -> EvalData:
    """Pick the adapter from what the path holds: an ML-100K folder, a MovieLens "latest"
    folder (``demo`` names the packaged one), a UniSRec folder, or an interactions file (then
    ``items`` is required)."""
    p = Path(path)
    if str(path) == "demo" and not p.exists():
        from dayone.demo.catalog import DEMO_DATA

        return load_movielens_latest(DEMO_DATA, name="demo (ml-latest-small)")
    if not p.exists():
        raise DataError("not found (a dataset folder, an interactions file, or demo)", file=str(p))
    if p.is_dir():
        if (p / "u.data").exists() and (p / "u.item").exists():
            return load_movielens_100k(p)
        if (p / "ratings.csv").exists() and (p / "movies.csv").exists():
            return load_movielens_latest(p)
        texts = sorted(p.glob("*.text"))
        if texts:
            name = unisrec_name or texts[0].name[: -len(".text")]
            return load_unisrec(p, name)
        raise DataError(
            "unrecognised folder: expected ML-100K (u.data, u.item), MovieLens latest (ratings.csv, "
            "movies.csv), a UniSRec dataset (NAME.text, NAME.*.inter) or a bench task (task.json)",
            file=str(p),
        )
    if items is None:
        raise DataError("an interactions file needs --items (the catalogue file)", file=str(p))
    return load_files(p, items, users, domain=domain or "generic", **(files or {}))


def positive_mask(df: pd.DataFrame, threshold: float | None) -> np.ndarray:
    """Which interactions count as positive: ``liked`` when given, else ``rating >= threshold``
    (default: the top 40% of the observed scale, i.e. >= 4 on 1-5), else ``weight >= threshold``
    when a threshold is set, else every (implicit) interaction."""
    n = len(df)
    pos = np.ones(n, dtype=bool)
    r = df["rating"].to_numpy(dtype=float)
    has_r = ~np.isnan(r)
    if has_r.any():
        thr = threshold if threshold is not None else default_like_threshold(r[has_r])
        pos[has_r] = r[has_r] >= thr
    w = df["weight"].to_numpy(dtype=float)
    has_w = ~np.isnan(w) & ~has_r
    if has_w.any() and threshold is not None:
        pos[has_w] = w[has_w] >= threshold
    liked = df["liked"].to_numpy(dtype=float)
    has_l = ~np.isnan(liked)
    pos[has_l] = liked[has_l] > 0.5
    return pos



def describe_positive(df: pd.DataFrame, threshold: float | None) -> str | None:
    """The rule `positive_mask` applies to rated rows, in words for the report: a reader must
    be able to see which ratings counted as likes (a stray rating once moved the cut)."""
    r = df["rating"].to_numpy(dtype=float)
    r = r[~np.isnan(r)]
    if not r.size:
        return None
    if threshold is not None:
        return f"a rating counts as liked from {threshold:g} (the configured threshold)"
    lo, hi = rating_scale(r)
    return (f"a rating counts as liked from {default_like_threshold(r):g}: the top quarter of the "
            f"observed scale {lo:g}-{hi:g} (--threshold to change)")
