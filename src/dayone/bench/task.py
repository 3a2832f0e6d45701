"""Reading a bench task folder, with the rules of its TASK.md enforced in code.

The runner must never see the answers, so this module is the only place that opens task
files, and it can only open the names in `_READABLE` (truth.jsonl is not one of them). Every
row is validated on the way in so a malformed task fails with the file, row and field named,
instead of as a KeyError deep inside a ranker.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dayone.data.errors import DataError
from dayone.data.loaders import SIGNAL_LIMITS

_READABLE = ("task", "items", "users", "train", "requests")
SETTINGS = ("zero-shot", "trained")


def _resolve(task_dir: Path, stem: str) -> Path | None:
    """`stem.jsonl` or `stem.jsonl.gz`; None when neither exists."""
    if stem not in _READABLE:
        raise ValueError(f"the runner may not read {stem!r}")
    for name in (f"{stem}.jsonl", f"{stem}.jsonl.gz"):
        path = task_dir / name
        if path.exists():
            return path
    return None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (1-based row, object) for each non-blank line; gzip by suffix."""
    opener = gzip.open if path.name.endswith(".gz") else open
    # bytes, decoded line by line, so that a bad byte is reported at its own row
    with opener(path, "rb") as handle:
        row = 0
        while True:
            try:
                raw = handle.readline()
            except (OSError, EOFError, zlib.error) as exc:  # a damaged .gz: header, stream, data
                raise DataError(f"cannot be read: {exc}", file=path.name, row=row + 1) from None
            if not raw:
                break
            row += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"not valid UTF-8 text ({exc.reason} at byte {exc.start})",
                                file=path.name, row=row) from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"not valid JSON ({exc.msg})", file=path.name, row=row) from exc
            if not isinstance(obj, dict):
                raise DataError("each line must be a JSON object", file=path.name, row=row)
            yield row, obj


def _req_str(obj: dict[str, Any], key: str, file: str, row: int) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataError(
            f"missing or not a non-empty string: {value!r}", file=file, row=row, field=key
        )
    return value


def _opt_number(obj: dict[str, Any], key: str, file: str, row: int, within: str = "") -> float | None:
    """`obj[key]` as a float (None when absent); `within` names where `obj` sits in the row
    (`history[2]`), so the error points at the very entry."""
    value = obj.get(key)
    if value is None:
        return None
    field = f"{within}.{key}" if within else key
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataError(f"must be a finite number, got {value!r}", file=file, row=row, field=field)
    limit = SIGNAL_LIMITS.get(key)
    if limit is not None and abs(value) > limit:
        raise DataError(f"a {key} is within ±{limit:g}, got {value!r}", file=file, row=row, field=field)
    return float(value)


@dataclass
class HistoryEntry:
    item: str
    rating: float | None = None
    liked: bool | None = None
    weight: float | None = None


@dataclass
class Request:
    id: str
    user_id: str | None
    attributes: dict[str, Any]
    text: str | None
    history: list[HistoryEntry]
    candidates: list[str] | None
    n: int
    exclude_history: bool = True
    target: str | None = None

    def allowed(self, catalogue: list[str]) -> list[str]:
        """The items this request may return, in catalogue order when candidates is null."""
        pool = list(dict.fromkeys(self.candidates)) if self.candidates is not None else catalogue
        if self.exclude_history:
            seen = {h.item for h in self.history}
            pool = [i for i in pool if i not in seen]
        return pool


@dataclass
class Interaction:
    user: str
    item: str
    rating: float | None = None
    weight: float | None = None
    ts: float | None = None


@dataclass
class BenchTask:
    """Everything a system may see of one task (never truth)."""

    path: Path
    meta: dict[str, Any]
    items: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    requests: list[Request]
    _train_allowed: bool = field(default=False, repr=False)

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.path.name))

    @property
    def catalogue(self) -> list[str]:
        return list(self.items)

    def has_train(self) -> bool:
        return _resolve(self.path, "train") is not None

    def train_interactions(self) -> list[Interaction]:
        """Rows of train.jsonl for ranking tasks (refused in a setting that forbids them)."""
        self._check_train()
        path = _resolve(self.path, "train")
        if path is None:
            return []
        rows: list[Interaction] = []
        for row, obj in read_jsonl(path):
            user = _req_str(obj, "user", path.name, row)
            item = _req_str(obj, "item", path.name, row)
            if item not in self.items:
                raise DataError(f"unknown item id {item!r}", file=path.name, row=row, field="item")
            rows.append(
                Interaction(
                    user,
                    item,
                    _opt_number(obj, "rating", path.name, row),
                    _opt_number(obj, "weight", path.name, row),
                    _opt_number(obj, "ts", path.name, row),
                )
            )
        return rows

    def train_examples(self) -> list[dict[str, Any]]:
        """Rows of train.jsonl for binary tasks: request-shaped dicts plus `label`."""
        self._check_train()
        path = _resolve(self.path, "train")
        if path is None:
            return []
        out = []
        for row, obj in read_jsonl(path):
            _parse_request(obj, path.name, row, self.items, binary=True)
            label = obj.get("label")
            if label not in (0, 1) or isinstance(label, bool):
                raise DataError(
                    f"must be 0 or 1, got {label!r}", file=path.name, row=row, field="label"
                )
            out.append(obj)
        return out

    def _check_train(self) -> None:
        if not self._train_allowed:
            raise PermissionError(
                f"{self.name}: train.jsonl may not be read in this setting (see TASK.md)"
            )

    def raw_requests(self) -> list[dict[str, Any]]:
        """Requests as plain dicts (the shape binary scorers take)."""
        path = _resolve(self.path, "requests")
        assert path is not None
        out = []
        for _, obj in read_jsonl(path):
            user = obj.get("user")
            uid = user.get("id") if isinstance(user, dict) else None
            if isinstance(user, dict) and isinstance(uid, str) and uid in self.users:
                given = user.get("attributes")
                attrs: dict[str, Any] = given if isinstance(given, dict) else {}
                obj = {**obj, "user": {**user, "attributes": {**self.users[uid], **attrs}}}
            out.append(obj)
        return out


def default_setting(meta: dict[str, Any]) -> str:
    """`trained` unless the task forbids fitting on train.jsonl in every setting it offers."""
    settings = [str(s) for s in meta.get("settings", [])]
    if settings == ["zero-shot"]:
        return "zero-shot"
    return "trained"


def train_allowed(meta: dict[str, Any], setting: str) -> bool:
    """Whether `setting` may read train.jsonl.

    Zero-shot means no parameters learned from interactions: where the task itself lists a
    zero-shot setting (scientific-seq), its TASK.md forbids reading train.jsonl outright.
    Elsewhere zero-shot may still read train for population statistics (popularity, rating
    bias), which the rankers restrict themselves to in that setting.
    """
    if setting not in SETTINGS:
        raise ValueError(f"setting must be one of {SETTINGS}, got {setting!r}")
    settings = [str(s) for s in meta.get("settings", [])]
    return not (setting == "zero-shot" and "zero-shot" in settings)


def _parse_request(
    obj: dict[str, Any], file: str, row: int, items: dict[str, Any], *, binary: bool
) -> Request:
    rid = _req_str(obj, "id", file, row)
    user = obj.get("user") or {}
    if not isinstance(user, dict):
        raise DataError("must be an object", file=file, row=row, field="user")
    attributes = user.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise DataError("must be an object", file=file, row=row, field="user.attributes")
    history_raw = obj.get("history") or []
    if not isinstance(history_raw, list):
        raise DataError("must be a list", file=file, row=row, field="history")
    history = []
    for k, entry in enumerate(history_raw):
        where = f"history[{k}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("item"), str):
            raise DataError("each entry needs a string 'item'", file=file, row=row, field=where)
        if entry["item"] not in items:
            raise DataError(f"unknown item id {entry['item']!r}", file=file, row=row, field=where)
        liked = entry.get("liked")
        if liked is not None and not isinstance(liked, bool):
            raise DataError("'liked' must be true/false", file=file, row=row, field=where)
        history.append(
            HistoryEntry(
                entry["item"],
                _opt_number(entry, "rating", file, row, where),
                liked,
                _opt_number(entry, "weight", file, row, where),
            )
        )
    candidates = obj.get("candidates")
    if candidates is not None:
        if not isinstance(candidates, list):
            raise DataError(
                "must be null or a list of item ids", file=file, row=row, field="candidates"
            )
        bad = next((k for k, c in enumerate(candidates) if not isinstance(c, str)), None)
        if bad is not None:
            raise DataError(f"an item id is a string, got {candidates[bad]!r}", file=file, row=row,
                            field=f"candidates[{bad}]")
        unknown = [c for c in candidates if c not in items]
        if unknown:
            raise DataError(
                f"unknown item id {unknown[0]!r}", file=file, row=row,
                field=f"candidates[{candidates.index(unknown[0])}]",
            )
    n = obj.get("n", 10)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise DataError(f"must be a positive integer, got {n!r}", file=file, row=row, field="n")
    target = obj.get("target")
    if binary and (not isinstance(target, str) or target not in items):
        raise DataError(
            f"binary requests need a known target, got {target!r}",
            file=file,
            row=row,
            field="target",
        )
    exclude = obj.get("exclude_history", True)
    if not isinstance(exclude, bool):
        raise DataError("must be true/false", file=file, row=row, field="exclude_history")
    text = user.get("text")
    return Request(
        id=rid,
        user_id=user.get("id") if isinstance(user.get("id"), str) else None,
        attributes=attributes,
        text=text if isinstance(text, str) else None,
        history=history,
        candidates=candidates,
        n=n,
        exclude_history=exclude,
        target=target if isinstance(target, str) else None,
    )


def load_task(task_dir: str | Path, setting: str | None = None) -> tuple[BenchTask, str]:
    """Load and validate a task folder; returns the task and the resolved setting."""
    path = Path(task_dir)
    meta_path = path / "task.json"
    if not meta_path.exists():
        raise DataError("task.json not found (is this a bench task folder?)", file=str(meta_path))
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg})", file="task.json") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"not valid UTF-8 text ({exc.reason})", file="task.json") from None
    if not isinstance(meta, dict):
        raise DataError(f"must be a JSON object, not {type(meta).__name__}", file="task.json")
    listed = meta.get("settings", [])
    if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
        raise DataError(f"must be a list of setting names, got {listed!r}", file="task.json", field="settings")
    if meta.get("kind") not in ("ranking", "binary"):
        raise DataError(
            f"must be 'ranking' or 'binary', got {meta.get('kind')!r}",
            file="task.json",
            field="kind",
        )
    setting = setting or default_setting(meta)
    allowed = train_allowed(meta, setting)

    items_path = _resolve(path, "items")
    if items_path is None:
        raise DataError("items.jsonl not found", file=str(path / "items.jsonl"))
    items: dict[str, dict[str, Any]] = {}
    for row, obj in read_jsonl(items_path):
        iid = _req_str(obj, "id", items_path.name, row)
        if iid in items:
            raise DataError(f"duplicate item id {iid!r}", file=items_path.name, row=row, field="id")
        items[iid] = obj

    users: dict[str, dict[str, Any]] = {}
    users_path = _resolve(path, "users")
    if users_path is not None:
        for row, obj in read_jsonl(users_path):
            uid = _req_str(obj, "id", users_path.name, row)
            if uid in users:
                raise DataError(f"duplicate user id {uid!r}", file=users_path.name, row=row, field="id")
            attrs = obj.get("attributes") or {}
            if not isinstance(attrs, dict):
                raise DataError(
                    "must be an object", file=users_path.name, row=row, field="attributes"
                )
            users[uid] = attrs

    req_path = _resolve(path, "requests")
    if req_path is None:
        raise DataError("requests.jsonl not found", file=str(path / "requests.jsonl"))
    binary = meta["kind"] == "binary"
    requests: list[Request] = []
    seen: set[str] = set()
    for row, obj in read_jsonl(req_path):
        req = _parse_request(obj, req_path.name, row, items, binary=binary)
        if req.id in seen:
            raise DataError(
                f"duplicate request id {req.id!r}", file=req_path.name, row=row, field="id"
            )
        seen.add(req.id)
        if req.user_id is not None and req.user_id in users:
            # a profile kept in users.jsonl counts as if the request carried it (its own
            # attributes win): a request naming only the user id lost the profile, and a
            # trained new-user run lost 0.03 ndcg@10 to the same task with inline attributes
            req.attributes = {**users[req.user_id], **req.attributes}
        requests.append(req)
    task = BenchTask(path, meta, items, users, requests, _train_allowed=allowed)
    return task, setting
