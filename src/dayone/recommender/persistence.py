"""Save and load a built recommender as a self-describing directory — never pickle.

Layout: ``recommender.json`` (config, versions, encoder id, the hand-over report),
``item_vectors.safetensors``, ``items.parquet``, ``users.parquet``, ``interactions.parquet``,
and, when one was trained, the similar-beginnings network (``beginnings.safetensors`` +
``beginnings.json``). Population
statistics and profiles are recomputed on load from the interactions, so they can never drift
from them; the network is kept instead (training it takes seconds to minutes) and is
retrained when the saved log no longer matches the one it learned from.
The directory is written beside the target and swapped in with renames, so a failed save
leaves the previous one intact.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save_file

import dayone
from dayone.data.catalog import Catalog
from dayone.data.errors import DataError
from dayone.data.interactions import normalise_interactions
from dayone.data.users import UserTable
from dayone.encoders import Encoder
from dayone.recommender.beginnings import Beginnings
from dayone.recommender.config import BlendWeights, RecommenderConfig

if TYPE_CHECKING:
    from dayone.recommender.recommender import Recommender

FORMAT = "dayone-recommender"
FORMAT_VERSION = 1
# optional: the similar-beginnings network (recommender/beginnings.py), when one was trained
BEGINNINGS_TENSORS = "beginnings.safetensors"
BEGINNINGS_META = "beginnings.json"


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


def save_recommender(rec: Recommender, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
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
        raise DataError("not a saved dayone recommender (recommender.json missing)", file=str(root))
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"corrupt metadata: {exc}", file=str(meta_file)) from None
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"unsupported format {meta.get('format')!r} v{meta.get('format_version')!r}", file=str(meta_file)
        )
    config = RecommenderConfig.model_validate(meta["config"])
    rec = Recommender(config, encoder)
    if rec.encoder.model_id != meta["encoder_model_id"]:
        raise DataError(
            f"saved with encoder {meta['encoder_model_id']!r} but loading with {rec.encoder.model_id!r};"
            " vectors would not be comparable (pass the matching encoder or rebuild)",
            file=str(meta_file),
        )
    items = pd.read_parquet(root / "items.parquet")
    vectors = load_file(str(root / "item_vectors.safetensors"))["item_vectors"]
    if vectors.shape[0] != len(items):
        raise DataError("item vectors and items disagree in length", file=str(root))
    rec.catalog = Catalog.from_records(
        [{"id": i, **json.loads(f)} for i, f in zip(items["id"], items["fields_json"], strict=True)],
        source=str(root / "items.parquet"),
    )
    rec.index.add(list(items["id"]), vectors)
    rec._maybe_ann(list(items["id"]), vectors)
    users = pd.read_parquet(root / "users.parquet")
    rec.users = UserTable.from_records(
        [
            {"id": i, "attributes": json.loads(a), "text": t}
            for i, a, t in zip(users["id"], users["attributes_json"], users["text"], strict=True)
        ]
    )
    rec.interactions = normalise_interactions(pd.read_parquet(root / "interactions.parquet"))
    rec.population.ensure(len(items))
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
