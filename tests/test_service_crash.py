"""kill -9 of a real server process in the middle of a write burst loses no acknowledged
write (a short run of benchmarks/crash_writes.py; run that script for more rounds)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "crash_writes.py"


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("crash_writes", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["crash_writes"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_kill_9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    crash = load_script()
    store = f"sqlite:///{tmp_path / 'store.db'}"
    res = crash.one_round(tmp_path, store, rnd=0, writers=3, kill_after=1.5)
    assert res["acknowledged"] > 0
    assert res["lost_items"] == 0 and res["lost_events"] == 0
    assert res["missing_from_restarted_model"] == 0
