"""Save and load a built recommender as a self-describing directory — never pickle.

Layout: ``recommender.json`` (config, versions, encoder id, the hand-over report),
``item_vectors.safetensors``, ``items.parquet``, ``users.parquet``, ``interactions.parquet``,
the field values' vectors (``field_values.safetensors`` + ``field_values.json``, so a load
encodes nothing) and, when one was trained, the similar-beginnings network
(``beginnings.safetensors`` + ``beginnings.json``). Population
statistics and profiles are recomputed on load from the interactions, so they can never drift
from them; the network is kept instead (training it takes seconds to minutes) and is
retrained when the saved log no longer matches the one it learned from.
The directory is written beside the target and swapped in with renames, so a failed save
leaves the previous one intact.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import ValidationError
from safetensors.numpy import load_file, save_file

import dayone
from dayone.data.catalog import Catalog
from dayone.data.errors import DataError, check_writable_under
from dayone.data.interactions import INTERACTION_COLUMNS, normalise_interactions
from dayone.data.users import UserTable
from dayone.encoders import Encoder
from dayone.recommender.beginnings import Beginnings
from dayone.recommender.config import BlendWeights, RecommenderConfig

if TYPE_CHECKING:
    from dayone.recommender.recommender import Recommender

T = TypeVar("T")

FORMAT = "dayone-recommender"
FORMAT_VERSION = 1
# optional: the similar-beginnings network (recommender/beginnings.py), when one was trained
BEGINNINGS_TENSORS = "beginnings.safetensors"
BEGINNINGS_META = "beginnings.json"
# optional: one vector per distinct field value (index/field_values.py), so a load encodes nothing
FIELD_VALUES_TENSORS = "field_values.safetensors"
FIELD_VALUES_META = "field_values.json"


def _versions() -> dict[str, str]:
    import pyarrow

    return {
        "dayone": dayone.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
    }


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_saved_model(path: Path) -> bool:
    try:
        meta = json.loads((path / "recommender.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == FORMAT


def check_save_target(path: str | Path) -> None:
    """Refuse, before any work is done, a path a model cannot be saved to: something there
    that is not a saved model (or an empty folder), or a file where a folder must be made."""
    target = Path(path)
    if target.exists() and not _is_saved_model(target) and (not target.is_dir() or any(target.iterdir())):
        raise DataError("exists and is not a saved dayone recommender; it is left as it is "
                        "(choose another path, or remove it first)", file=str(target))
    check_writable_under(target)


def save_recommender(rec: Recommender, path: str | Path) -> None:
    """Write the model to a temporary sibling, then swap it in for `path`. Only a saved
    model (or an empty folder) is ever replaced: `--out` pointed at the wrong folder or file
    must not delete what is there."""
    target = Path(path)
    check_save_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the folder to save into: {exc.strerror or exc}", file=str(target)) from None
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{time.time_ns()}")
    tmp.mkdir()
    try:
        ids = rec.index.ids()
        vectors = np.vstack([rec.index._mat[r] for r in rec.index.rows(ids)]) if ids else np.zeros((0, rec.encoder.dim), np.float32)
        save_file({"item_vectors": np.ascontiguousarray(vectors, dtype=np.float32)}, str(tmp / "item_vectors.safetensors"))
        pd.DataFrame(
            {"id": ids, "fields_json": [json.dumps(rec.catalog.fields(i), ensure_ascii=False, default=str) for i in ids]}
        ).to_parquet(tmp / "items.parquet", index=False)
        users = rec.users.records()
        pd.DataFrame(
            {
                "id": [u["id"] for u in users],
                "attributes_json": [json.dumps(u["attributes"], ensure_ascii=False, default=str) for u in users],
                "text": [u["text"] for u in users],
            }
        ).to_parquet(tmp / "users.parquet", index=False)
        rec.interactions.to_parquet(tmp / "interactions.parquet", index=False)
        values, value_vectors = rec.field_values.live()
        if values:
            save_file({"vectors": np.ascontiguousarray(value_vectors)}, str(tmp / FIELD_VALUES_TENSORS))
            (tmp / FIELD_VALUES_META).write_text(json.dumps(
                {"values": values, "skipped_fields": sorted(rec.field_values.skipped)}, ensure_ascii=False),
                encoding="utf-8")
        if rec.beginnings is not None:
            save_file(rec.beginnings.tensors(), str(tmp / BEGINNINGS_TENSORS))
            (tmp / BEGINNINGS_META).write_text(json.dumps(rec.beginnings.meta()), encoding="utf-8")
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "encoder_model_id": rec.encoder.model_id,
            "dim": rec.encoder.dim,
            "n_items": len(ids),
            "n_users": len(users),
            "n_interactions": len(rec.interactions),
            "config": rec.config.model_dump(),
            # what the hand-over learned and how well (the weights themselves are in config):
            # kept so a loaded model can still say why it blends as it does
            # (minus this load's own note, or every later load would think it re-learned)
            "handover_report": {k: v for k, v in rec.handover_report.items() if k != "relearned_on_load"},
            "recency_report": rec.recency_report,
            "versions": _versions(),
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / "recommender.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
        os.replace(target, old)
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_recommender(path: str | Path, encoder: Encoder | None = None) -> Recommender:
    from dayone.recommender.recommender import Recommender

    root = Path(path)
    meta_file = root / "recommender.json"
    if not meta_file.exists():
        _recover_interrupted_save(root)
    if not root.exists():
        raise DataError("no such folder (give the folder `dayone build --out` or `Recommender.save` wrote)",
                        file=str(root))
    if not meta_file.exists():
        raise DataError("not a saved dayone recommender (recommender.json missing)", file=str(root))
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"corrupt metadata: {exc}", file=str(meta_file)) from None
    if not isinstance(meta, dict):
        raise DataError(f"corrupt metadata: an object was expected, not {type(meta).__name__}", file=str(meta_file))
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"unsupported format {meta.get('format')!r} v{meta.get('format_version')!r}", file=str(meta_file)
        )
    for key in ("config", "encoder_model_id"):
        if key not in meta:
            raise DataError(f"corrupt metadata: '{key}' missing", file=str(meta_file), field=key)
    try:
        config = RecommenderConfig.model_validate(meta["config"])
    except ValidationError as exc:
        raise DataError(f"invalid config: {_first_error(exc)}", file=str(meta_file), field="config") from None
    rec = Recommender(config, encoder)
    if rec.encoder.model_id != meta["encoder_model_id"]:
        raise DataError(
            f"saved with encoder {meta['encoder_model_id']!r} but loading with {rec.encoder.model_id!r};"
            " vectors would not be comparable (pass the matching encoder or rebuild)",
            file=str(meta_file),
        )
    items = _table(root / "items.parquet", ("id", "fields_json"))
    vectors = _read(root / "item_vectors.safetensors", lambda f: load_file(str(f))["item_vectors"])
    if vectors.ndim != 2 or vectors.shape[0] != len(items) or vectors.shape[1] != rec.encoder.dim:
        raise DataError(f"vectors of shape {vectors.shape} for {len(items)} items of the encoder's "
                        f"{rec.encoder.dim} dimensions", file=str(root / "item_vectors.safetensors"))
    rec.catalog = Catalog.from_records(
        [{"id": i, **_json_object(f, root / "items.parquet", n, "fields_json")}
         for n, (i, f) in enumerate(zip(items["id"], items["fields_json"], strict=True), start=1)],
        source=str(root / "items.parquet"),
    )
    rec.index.add(list(items["id"]), vectors)
    _load_field_values(rec, root)
    rec._index_fields(list(items["id"]))
    rec._maybe_ann(list(items["id"]), vectors)
    users = _table(root / "users.parquet", ("id", "attributes_json", "text"))
    rec.users = UserTable.from_records(
        [
            {"id": i, "attributes": _json_object(a, root / "users.parquet", n, "attributes_json"),
             "text": _optional_text(t, root / "users.parquet", n, "text")}
            for n, (i, a, t) in enumerate(zip(users["id"], users["attributes_json"], users["text"], strict=True),
                                          start=1)
        ]
    )
    log_file = root / "interactions.parquet"
    rec.interactions = _read(log_file, lambda f: normalise_interactions(_table(f, INTERACTION_COLUMNS)))
    rec.population.ensure(len(items))
    recency = meta.get("recency_report") or {}
    if not isinstance(recency, dict):
        raise DataError("recency_report must be an object", file=str(meta_file))
    rec.recency_report = recency  # "auto" reuses its choice while the log is the one it replayed
    saved = _load_beginnings(root)
    if saved is not None and saved.n_interactions == len(rec.interactions):
        rec.refit(train_beginnings=False)  # the saved network was trained on this very log
        rec.beginnings = saved
    else:
        rec.refit()
    report = meta.get("handover_report") or {}
    if not isinstance(report, dict):
        raise DataError("handover_report must be an object", file=str(meta_file))
    rec.handover_report = report  # absent in saves written before it was kept: {}
    stale = _strategies_missing_from_handover(meta["config"])
    if stale and config.handover is not None and config.learn_handover:
        # the hand-over was learned before these strategies existed; pydantic would fill them
        # with zero-shot defaults that nothing chose, so learn it again on the saved data
        rec.handover_report = rec.learn_handover()
        rec.handover_report["relearned_on_load"] = stale
    return rec


def _read(file: Path, reader: Callable[[Path], T]) -> T:
    """`reader(file)`, with any failure named by the file (a damaged save must say which part)."""
    try:
        return reader(file)
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError("missing from the saved model", file=str(file)) from None
    except Exception as exc:  # parquet, safetensors and numpy each raise their own kinds
        raise DataError(f"corrupt: {type(exc).__name__}: {exc}", file=str(file)) from None


def _table(file: Path, columns: Sequence[str]) -> pd.DataFrame:
    frame = _read(file, pd.read_parquet)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"corrupt: column(s) {', '.join(missing)} missing", file=str(file))
    return frame


def _json_object(text: object, file: Path, row: int, field: str) -> dict[str, Any]:
    try:
        value = json.loads(str(text))
    except json.JSONDecodeError as exc:
        raise DataError(f"corrupt JSON: {exc}", file=str(file), row=row, field=field) from None
    if not isinstance(value, dict):
        raise DataError("corrupt: a JSON object was expected", file=str(file), row=row, field=field)
    return value


def _optional_text(value: object, file: Path, row: int, field: str) -> str | None:
    """A nullable text cell: parquet hands a missing one back as None or NaN depending on how
    many rows had one, and a user without words must load as None, not as the float NaN."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if not isinstance(value, str):
        raise DataError(f"corrupt: text expected, got {type(value).__name__}", file=str(file), row=row, field=field)
    return value


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg')}" if where else str(err.get("msg"))


def _recover_interrupted_save(root: Path) -> None:
    """A save swaps the model in with two renames (`path` -> `.path.old-PID-NS`, then
    `.path.tmp-PID-NS` -> `path`). A crash between them leaves no model at `path`, the
    complete new copy (written and synced before the first rename) and the previous one
    beside it: put the new copy in place and drop the previous one. Only that signature is
    acted on (a new copy and a previous copy, the writer no longer running), so a model
    deleted on purpose is not brought back and a save in progress is not disturbed."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        return
    pattern = glob.escape(root.name)
    new = [p for p in root.parent.glob(f".{pattern}.tmp-*") if p.is_dir() and _is_saved_model(p)]
    old = [p for p in root.parent.glob(f".{pattern}.old-*") if p.is_dir()]
    if not new or not old or any(_writer_alive(p) for p in new):
        return
    best = max(new, key=lambda p: p.stat().st_mtime_ns)
    if root.exists():
        root.rmdir()
    os.replace(best, root)
    _fsync_dir(root.parent)
    for leftover in old:
        shutil.rmtree(leftover, ignore_errors=True)
    warnings.warn(f"{root}: an interrupted save was completed from {best.name}", stacklevel=4)


def _writer_alive(copy: Path) -> bool:
    """Whether the process that named this copy (`.NAME.tmp-PID-NS`) still runs here."""
    try:
        pid = int(copy.name.rsplit(".tmp-", 1)[1].split("-")[0])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False  # this process is loading, so it is not between its own two renames
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def _load_field_values(rec: Recommender, root: Path) -> None:
    """The saved field-value vectors; a save without them (older versions) has its values
    encoded again by `_index_fields`."""
    meta_file, tensor_file = root / FIELD_VALUES_META, root / FIELD_VALUES_TENSORS
    if not meta_file.exists() and not tensor_file.exists():
        return
    if not meta_file.exists() or not tensor_file.exists():
        missing = meta_file if not meta_file.exists() else tensor_file
        raise DataError("field values incomplete: this part is missing", file=str(missing))
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"corrupt: {exc}", file=str(meta_file)) from None
    values = meta.get("values") if isinstance(meta, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise DataError("corrupt: 'values' must be a list of strings", file=str(meta_file), field="values")
    skipped = meta.get("skipped_fields", [])
    if not isinstance(skipped, list) or not all(isinstance(v, str) for v in skipped):
        raise DataError("corrupt: 'skipped_fields' must be a list of strings", file=str(meta_file),
                        field="skipped_fields")
    vectors = _read(tensor_file, lambda f: load_file(str(f))["vectors"])
    try:
        rec.field_values.preload(values, vectors, skipped=frozenset(skipped))
    except ValueError as exc:
        raise DataError(f"corrupt: {exc}", file=str(tensor_file)) from None


def _load_beginnings(root: Path) -> Beginnings | None:
    """The saved similar-beginnings network, None when the save has none."""
    meta_file, tensor_file = root / BEGINNINGS_META, root / BEGINNINGS_TENSORS
    if not meta_file.exists() and not tensor_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        return Beginnings.from_saved(meta, load_file(str(tensor_file)))
    except FileNotFoundError as exc:
        raise DataError(f"similar-beginnings network incomplete: {exc.filename} missing", file=str(root)) from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, OSError) as exc:
        raise DataError(f"corrupt similar-beginnings network: {exc}", file=str(meta_file)) from None


def _strategies_missing_from_handover(saved_config: dict[str, object]) -> list[str]:
    """Strategies the running version blends that a saved hand-over has no weight for."""
    buckets = saved_config.get("handover") or []
    if not isinstance(buckets, list):
        return []
    known = set(BlendWeights.model_fields)
    return sorted({name for b in buckets if isinstance(b, dict) for name in known - set(b)})
