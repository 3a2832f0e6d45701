"""Read catalogues, users and interactions from CSV, TSV, JSON Lines and Parquet.

A mapping says which column plays which role, so a team's own export loads without being
rewritten first. Every problem is reported with its file, 1-based row and field, and a load
either returns a complete, validated object or raises: nothing half-loaded is kept.
"""

from __future__ import annotations

import codecs
import datetime
import decimal
import gzip
import json
import math
import numbers
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from dayone.data.catalog import Catalog
from dayone.data.errors import DataError
from dayone.data.interactions import normalise_interactions
from dayone.data.users import UserTable

SUPPORTED = (".csv", ".tsv", ".jsonl", ".jsonl.gz", ".ndjson", ".parquet")


class ItemMapping(BaseModel):
    """Which columns of an item file are its id, its text, its categories and its numbers.

    `text` names the columns to describe; when it is empty every column is kept (a catalogue
    rarely has one whose words do not matter), and `categorical` / `numeric` only say how their
    columns are read. Naming only `--categorical genres` used to keep genres alone and drop the
    title, which a reviewer's news catalogue showed as lists of ids and 399 stories with 94
    distinct descriptions.
    `list_separator` splits strings such as ``Action|Comedy`` into lists for categorical fields.
    """

    model_config = ConfigDict(extra="forbid")
    id: str = "id"
    text: list[str] = Field(default_factory=list)
    categorical: list[str] = Field(default_factory=list)
    numeric: list[str] = Field(default_factory=list)
    list_separator: str | None = "|"


class UserMapping(BaseModel):
    """Which columns of a user file are the id, the free text and the profile attributes."""

    model_config = ConfigDict(extra="forbid")
    id: str = "id"
    text: str | None = None
    attributes: list[str] = Field(default_factory=list)


class InteractionMapping(BaseModel):
    """Which columns carry the user, the item and whichever signals the source has."""

    model_config = ConfigDict(extra="forbid")
    user: str = "user"
    item: str = "item"
    rating: str | None = None
    weight: str | None = None
    liked: str | None = None
    ts: str | None = None


#: Other names each kind of interaction column goes by in exports (compared lower-case, without
#: ``_``/``-``/spaces). Used only where the mapping leaves the role open: a MovieLens
#: ``timestamp`` or a shop's ``customer_id``/``event_time`` used to be dropped without a word,
#: and a ratings file read with file order as time and every rating as a like is a wrong
#: result, not an error anyone sees.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "user": ("user", "userid", "customerid", "customer", "visitorid", "memberid", "clientid", "uid"),
    "item": ("item", "itemid", "productid", "sku", "movieid", "asin", "articleid", "trackid", "iid",
             "product"),
    "rating": ("rating", "stars", "starrating", "ratingvalue"),
    "weight": ("weight", "playcount", "plays", "count", "quantity", "qty"),
    "liked": ("liked", "like", "isliked"),
    "ts": ("ts", "timestamp", "time", "datetime", "eventtime", "eventtimestamp", "createdat", "date"),
}


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name.lower())


def resolve_interaction_columns(
    columns: Sequence[str],
    mapping: InteractionMapping | None = None,
    unreadable: Callable[[str, str], str | None] | None = None,
) -> tuple[InteractionMapping, list[str]]:
    """The mapping with every role it leaves open filled from the file's column names
    (`COLUMN_ALIASES`), and notes saying which columns were recognised and which are not used.

    A role the mapping names is kept as given (a missing column then fails loudly). The user
    and item roles count as open when they hold their defaults and the file has no such
    column. `unreadable(role, column)` says why a signal column found by its name cannot be
    that role (None when it can): such a guess moves to the next fitting name or is dropped
    with a note, instead of failing a load that read fine before names were recognised."""
    m = mapping or InteractionMapping()
    present = {str(c) for c in columns}
    by_squash: dict[str, str] = {}
    for c in columns:
        by_squash.setdefault(_squash(str(c)), str(c))
    chosen: dict[str, str | None] = {}
    notes: list[str] = []
    for role, aliases in COLUMN_ALIASES.items():
        given = getattr(m, role)
        default = InteractionMapping.model_fields[role].default
        if given is not None and (given != default or given in present):
            chosen[role] = given
            continue
        taken = set(chosen.values())
        chosen[role] = given
        for found in (by_squash[a] for a in aliases if a in by_squash and by_squash[a] not in taken):
            why = None if found == role or role in ("user", "item") or unreadable is None else unreadable(role, found)
            if why is not None:
                notes.append(f"{found!r} looked like the {role} column but is not used: {why} "
                             f"(name it with --{role} to read it, and fix that row)")
                continue
            chosen[role] = found
            if found != role:
                notes.append(f"{role} column: {found!r} (recognised by its name)")
            break
    used = {v for v in chosen.values() if v}
    unused = [str(c) for c in columns if str(c) not in used]
    if unused:
        notes.append(
            f"columns not used: {', '.join(unused[:10])}{', ...' if len(unused) > 10 else ''} "
            "(name one as the rating, weight, liked or time column to use it)"
        )
    return InteractionMapping(**chosen), notes


def _unreadable_guess(records: Sequence[dict[str, Any]], role: str, column: str, source: str) -> str | None:
    """Why a column chosen by its name cannot be the `role` column (the first value that fails,
    in words), or None when every value reads. A shop's `Quantity` holds returns as negative
    numbers, a `time` column may hold "10:00" next to a `date` column: such a guess is dropped
    with a note instead of failing a load that read fine before names were recognised."""
    for row, rec in enumerate(records, start=1):
        v = rec.get(column)
        if v in (None, ""):
            continue
        try:
            if role == "liked":
                _as_bool(v, source, row, column)
                continue
            number = (_as_time if role == "ts" else _as_number)(v, source, row, column)
        except DataError:
            return f"row {row} holds {v!r}"
        if role == "weight" and number < 0:
            return f"row {row} holds {v!r}, and a weight is >= 0"
        if role in SIGNAL_LIMITS and abs(number) > SIGNAL_LIMITS[role]:
            return f"row {row} holds {v!r}, beyond any {role}"
    return None


def _column_names(records: Sequence[dict[str, Any]], sample: int = 1000) -> list[str]:
    """Column names in first-seen order over the first rows (JSON rows may differ)."""
    names: dict[str, None] = {}
    for rec in records[:sample]:
        names.update(dict.fromkeys(str(k) for k in rec))
    return list(names)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suf in SUPPORTED:
        if name.endswith(suf):
            return suf
    if name.endswith(".json"):
        return ".jsonl"
    raise DataError(f"unsupported file type; expected one of {', '.join(SUPPORTED)}", file=str(path))


def _likely_encoding(raw: bytes) -> str:
    """A guess to suggest for a file that is not UTF-8: a Chinese export (GBK / GB18030) when
    its bytes read as mostly Chinese characters that way, else latin-1. Only a hint: reading
    a GBK file as latin-1 "succeeds" with garbled text, so the hint must not send a Chinese
    site there."""
    sample = raw[:65536]
    try:
        text = sample.decode("gb18030")
    except UnicodeDecodeError:
        return "latin-1"
    high = [ch for ch in text if ord(ch) > 0x7F]
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in high)
    return "gb18030 (Chinese)" if high and cjk >= 0.8 * len(high) else "latin-1"


def _decode(path: Path, raw: bytes, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r} (e.g. utf-8, latin-1, cp1252)",
                        file=str(path), field="encoding") from None
    try:
        text = raw.decode(encoding)
        # spreadsheet exports start UTF-8 files with a byte-order mark, which would otherwise
        # become part of the first column's name ("missing column 'id'")
        return text[1:] if text.startswith("\ufeff") else text
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n")  # header is line 0 for tables; JSONL rows start at 1
        raise DataError(
            f"not valid {encoding} text at byte {exc.start} (give its encoding, e.g. {_likely_encoding(raw)}: "
            "`--encoding` on the command line, `encoding=` in Python)",
            file=str(path),
            row=row if row > 0 else 1,
        ) from None


def read_records(path: str | Path, encoding: str = "utf-8") -> list[dict[str, Any]]:
    """Rows of a supported file as dicts, in file order.

    CSV cells stay strings (type checks happen against the mapping, where the field is known);
    JSON keeps its own types.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("file not found", file=str(p))
    suf = _suffix(p)
    if suf == ".parquet":
        try:
            df = pd.read_parquet(p)
        except Exception as exc:  # pyarrow raises many types for a corrupt file
            raise DataError(f"unreadable parquet: {exc}", file=str(p)) from None
        return [
            {str(k): _clean(v) for k, v in rec.items()} for rec in df.to_dict(orient="records")
        ]
    raw = p.read_bytes()
    if suf == ".jsonl.gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"not a gzip file: {exc}", file=str(p)) from None
    text = _decode(p, raw, encoding)
    if suf in (".jsonl", ".jsonl.gz", ".ndjson"):
        out: list[dict[str, Any]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"invalid JSON: {exc.msg}", file=str(p), row=n) from None
            if not isinstance(rec, dict):
                raise DataError("each line must be a JSON object", file=str(p), row=n)
            out.append(rec)
        return out
    import csv
    import io

    reader = csv.reader(io.StringIO(text), delimiter="\t" if suf == ".tsv" else ",")
    try:
        header = next(reader)
    except StopIteration:
        return []
    if len(set(header)) != len(header):
        raise DataError("repeated column names in header", file=str(p), row=0)
    rows: list[dict[str, Any]] = []
    for n, cells in enumerate(reader, start=1):
        if not cells:
            continue
        if len(cells) != len(header):
            raise DataError(
                f"expected {len(header)} columns, found {len(cells)}", file=str(p), row=n
            )
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _clean(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _require(rec: dict[str, Any], field: str, file: str, row: int) -> Any:
    if field not in rec:
        raise DataError(f"missing column{_delimiter_hint(rec) or _columns_hint(rec)}", file=file, row=row, field=field)
    value = rec[field]
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise DataError("empty value", file=file, row=row, field=field)
    return value


def _columns_hint(rec: dict[str, Any]) -> str:
    """The columns the file does have, so the right one can be named (`--id-field`, ...)."""
    names = [str(k) for k in rec][:12]
    if not names:
        return ""
    more = ", ..." if len(rec) > 12 else ""
    return f" (the file's columns: {', '.join(names)}{more})"


def _delimiter_hint(rec: dict[str, Any]) -> str:
    """When the whole header read as one column holding another separator, say so: that is
    a ';'- or tab-separated file read as comma-separated, not a missing column."""
    if len(rec) != 1:
        return ""
    (name,) = rec
    for sep, called in ((";", "';'"), ("\t", "tab"), ("|", "'|'")):
        if sep in str(name):
            return (f" (the header read as one column {str(name)[:60]!r}: is the file {called}-separated? "
                    ".csv is read as comma-separated, .tsv as tab-separated)")
    return ""


def record_id(rec: dict[str, Any], field: str, file: str, row: int) -> str:
    """An id is a string or a whole number (JSON often writes ids as numbers); an object, a
    list, true/false or a fraction would become a string nobody can ask for ("True", "1.0")."""
    value = _require(rec, field, file, row)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        pass
    elif isinstance(value, numbers.Integral):
        return str(int(value))
    elif isinstance(value, numbers.Real | decimal.Decimal) and math.isfinite(float(value)) and float(value).is_integer():
        # a numeric column read with missing values became floats; a database NUMERIC, Decimal
        return str(int(float(value))) if not isinstance(value, decimal.Decimal) else str(int(value))
    raise DataError(f"an id is a string or a whole number, got {value!r}", file=file, row=row, field=field)


def _as_number(value: Any, file: str, row: int, field: str) -> float:
    if isinstance(value, bool):
        raise DataError(f"expected a number, got {value!r}", file=file, row=row, field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"expected a number, got {value!r}", file=file, row=row, field=field) from None
    if not math.isfinite(number):
        raise DataError(f"expected a finite number, got {value!r}", file=file, row=row, field=field)
    return number


def _as_time(value: Any, file: str, row: int, field: str) -> float:
    """A time as Unix seconds: a number as it is, or an ISO 8601 text or a date-time value (a
    Parquet timestamp), read as UTC when it names no zone, as the service's events are."""
    if isinstance(value, str) and not _NUMBER.match(value.strip()):
        try:
            value = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise DataError(f"expected a time: Unix seconds or ISO 8601 (2017-03-01T10:00:00), got {value!r}",
                            file=file, row=row, field=field) from None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime.datetime | datetime.date):
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime(value.year, value.month, value.day)
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.timestamp()
    return _as_number(value, file, row, field)


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

# ratings and weights beyond these are data errors (1e308 overflowed every sum of squares);
# the service's API caps its values at the same magnitude as ratings
SIGNAL_LIMITS = {"rating": 1e6, "weight": 1e12}  # weights may be durations in milliseconds
# no Unix time in seconds is this large (year 5138): a time column above it is in milliseconds
MILLISECOND_TIMES = 1e11


def _as_bool(value: Any, file: str, row: int, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "y", "t"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "n", "f"):
        return False
    raise DataError(f"expected true/false, got {value!r}", file=file, row=row, field=field)


def items_from_records(
    records: Iterable[dict[str, Any]], mapping: ItemMapping | None = None, source: str = "<records>"
) -> Catalog:
    """Validate and map item rows into a Catalog."""
    m = mapping or ItemMapping()
    keep = m.text + m.categorical + m.numeric
    mapped: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row, rec in enumerate(records, start=1):
        item_id = record_id(rec, m.id, source, row)
        if item_id in seen:  # named by the file's own column, not the catalogue's "id"
            raise DataError(f"duplicate item id {item_id!r}", file=source, row=row, field=m.id)
        seen.add(item_id)
        fields: dict[str, Any] = (
            {k: rec.get(k) for k in keep} if m.text else {k: v for k, v in rec.items() if k != m.id}
        )
        for f in keep:
            if f not in rec:
                raise DataError("missing column", file=source, row=row, field=f)
        for f in m.numeric:
            if rec.get(f) not in (None, ""):
                fields[f] = _as_number(rec[f], source, row, f)
            else:
                fields[f] = None
        for f in m.categorical:
            v = rec.get(f)
            if isinstance(v, str) and m.list_separator and m.list_separator in v:
                fields[f] = [s for s in v.split(m.list_separator) if s]
        mapped.append({"id": item_id, **fields})
    return Catalog.from_records(mapped, source=source)


def load_items(
    path: str | Path, mapping: ItemMapping | None = None, encoding: str = "utf-8"
) -> Catalog:
    """Load a catalogue file (CSV/TSV/JSONL/Parquet) through an ItemMapping."""
    records = read_records(path, encoding)
    if not records:  # an empty export is a mistake upstream, not a catalogue
        raise DataError("no items in the file", file=str(path))
    return items_from_records(records, mapping, source=str(path))


def _attribute_value(value: Any, file: str, row: int, field: str) -> Any:
    """A profile value as the describer and the matchers read it: a string, a number,
    true/false, or a list of those; dates become ISO text. An object has no one reading."""
    if value is None or isinstance(value, str | bool | int | float):
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, datetime.date | pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, np.generic):
        return _attribute_value(value.item(), file, row, field)
    if isinstance(value, list | tuple | np.ndarray):
        items = [_attribute_value(v, file, row, field) for v in value]
        if all(not isinstance(v, list) for v in items):
            return [v for v in items if v is not None]
    raise DataError(f"an attribute is a string, number, true/false, date or a list of those, "
                    f"got {type(value).__name__}", file=file, row=row, field=field)


def load_users(
    path: str | Path, mapping: UserMapping | None = None, encoding: str = "utf-8",
    id_fallbacks: Sequence[str] = (),
) -> UserTable:
    """Load user profiles; attributes default to every column except id and text.

    A JSONL record may also nest its attributes under an ``attributes`` object (bench format).
    When the file has no column named as the mapping's id but has one of `id_fallbacks` (the
    interactions' user column, say "user_id"), that one is the id.
    """
    m = mapping or UserMapping()
    src = str(path)
    table = UserTable()
    records = read_records(path, encoding)
    if records and m.id not in records[0]:
        found = next((f for f in id_fallbacks if f in records[0]), None)
        if found is not None:
            m = m.model_copy(update={"id": found})
    for row, rec in enumerate(records, start=1):
        user_id = record_id(rec, m.id, src, row)
        if user_id in table:
            raise DataError(f"duplicate user id {user_id!r}", file=src, row=row, field=m.id)
        if isinstance(rec.get("attributes"), list):  # JSON's nested form, mistyped
            raise DataError("attributes must be an object of name: value", file=src, row=row, field="attributes")
        if isinstance(rec.get("attributes"), dict):
            attrs = dict(rec["attributes"])
        elif m.attributes:
            for f in m.attributes:
                if f not in rec:
                    raise DataError("missing column", file=src, row=row, field=f)
            attrs = {f: rec[f] for f in m.attributes}
        else:
            attrs = {k: v for k, v in rec.items() if k not in (m.id, m.text)}
        text = rec.get(m.text) if m.text else rec.get("text")
        if text is not None and not isinstance(text, str):
            raise DataError(f"text must be a string, got {type(text).__name__}", file=src, row=row,
                            field=m.text or "text")
        attrs = {k: _attribute_value(v, src, row, k) for k, v in attrs.items()}
        table.add(user_id, {k: v for k, v in attrs.items() if v not in (None, "")}, text or None)
    return table


def interactions_from_records(
    records: Iterable[dict[str, Any]],
    mapping: InteractionMapping | None = None,
    catalog: Catalog | None = None,
    source: str = "<records>",
) -> pd.DataFrame:
    """Validate interaction rows: ids present, signals typed, items known to the catalogue."""
    records = records if isinstance(records, list) else list(records)
    m, notes = resolve_interaction_columns(
        _column_names(records), mapping, lambda role, column: _unreadable_guess(records, role, column, source))
    cols: dict[str, list[Any]] = {c: [] for c in ("user", "item", "rating", "weight", "liked", "ts")}
    # a column named in the mapping that no row has is a misspelling, not "no ratings"
    named = {f: key for key in ("rating", "weight", "liked", "ts") if (f := getattr(m, key))}
    unseen = set(named)
    for row, rec in enumerate(records, start=1):
        if unseen:
            unseen.difference_update(rec.keys())
        cols["user"].append(record_id(rec, m.user, source, row))
        item = record_id(rec, m.item, source, row)
        if catalog is not None and item not in catalog:
            raise DataError(f"unknown item {item!r} (not in the catalogue)", file=source, row=row, field=m.item)
        cols["item"].append(item)
        for key in ("rating", "weight", "ts"):
            field = getattr(m, key) or (key if key in rec else None)
            v = rec.get(field) if field else None
            read = _as_time if key == "ts" else _as_number
            number = np.nan if v in (None, "") else read(v, source, row, field or key)
            if key in SIGNAL_LIMITS and abs(number) > SIGNAL_LIMITS[key]:
                raise DataError(f"a {key} is within ±{SIGNAL_LIMITS[key]:g}, got {v!r}", file=source, row=row,
                                field=field or key)
            cols[key].append(number)
        field = m.liked or ("liked" if "liked" in rec else None)
        v = rec.get(field) if field else None
        cols["liked"].append(np.nan if v in (None, "") else float(_as_bool(v, source, row, field or "liked")))
    if unseen and cols["user"]:
        field = sorted(unseen)[0]
        raise DataError(f"no row has this column (given as the {named[field]} column)", file=source, field=field)
    if cols["weight"] and any(w < 0 for w in cols["weight"] if not math.isnan(w)):
        bad = next(i for i, w in enumerate(cols["weight"]) if not math.isnan(w) and w < 0)
        raise DataError("weight must be >= 0", file=source, row=bad + 1, field=m.weight or "weight")
    ts = np.asarray(cols["ts"], dtype=float)
    if np.isfinite(ts).any() and float(np.nanmin(ts)) > MILLISECOND_TIMES:
        cols["ts"] = list(ts / 1000.0)
        notes.append(f"times in {m.ts or 'ts'!r} read as milliseconds (every value is above 1e11)")
    blank = _rows_without_signal(cols) if m.rating or m.weight or m.liked else 0
    if blank:
        notes.append(f"{blank} row(s) have no rating, weight or liked value and count as plain "
                     "(implicit, positive) interactions")
    df = normalise_interactions(pd.DataFrame(cols))
    df.attrs["notes"] = notes
    df.attrs["user_column"] = m.user
    return df


def _rows_without_signal(cols: dict[str, list[Any]]) -> int:
    r, w, liked = (np.asarray(cols[k], dtype=float) for k in ("rating", "weight", "liked"))
    return int((np.isnan(r) & np.isnan(w) & np.isnan(liked)).sum()) if len(r) else 0


def load_interactions(
    path: str | Path,
    mapping: InteractionMapping | None = None,
    catalog: Catalog | None = None,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Load interactions; with a catalogue, an unknown item is an error naming its row. A file
    with no rows is an error: given on purpose, it is a failed export, and an evaluation of it
    would report nothing but n/a."""
    records = read_records(path, encoding)
    if not records:
        raise DataError("no interaction rows (the file is empty or has only a header)", file=str(path))
    return interactions_from_records(records, mapping, catalog, source=str(path))
