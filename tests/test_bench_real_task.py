"""One real bench task end to end: run-bench output must pass score.py's validation.

Uses the hashing encoder so it stays fast (the profile-popularity path of the zero-shot
cold-user ranker does not depend on text quality); skips when ../shared is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TASK = SHARED / "bench" / "tasks" / "ml100k-newuser-k0"


@pytest.mark.slow
@pytest.mark.skipif(not TASK.exists(), reason="../shared not present")
def test_real_task_scores_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dayone.bench.runner import run_bench
    from dayone.encoders.hashing import HashingEncoder

    monkeypatch.setenv("DAYONE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "responses.jsonl"
    run_bench(TASK, out, setting="zero-shot", encoder=HashingEncoder(64), progress=False)
    proc = subprocess.run(
        [sys.executable, str(SHARED / "bench" / "score.py"), str(TASK), str(out), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    assert result["valid"]
    # profile popularity must beat the content floor (0.0102) by a wide margin
    assert result["metrics"]["ndcg@10"] > 0.2
