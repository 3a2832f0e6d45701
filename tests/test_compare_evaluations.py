"""scripts/compare_evaluations.py pairs two evaluation runs request by request."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import compare_evaluations  # noqa: E402


def _run(folder: Path, values: list[float], strategy: str = "dayone") -> Path:
    folder.mkdir()
    pd.DataFrame(
        {
            "protocol": ["warm"] * len(values),
            "setting": ["warm"] * len(values),
            "strategy": [strategy] * len(values),
            "request": [f"r{k}" for k in range(len(values))],
            "ndcg@10": values,
        }
    ).to_parquet(folder / "per_user.parquet")
    return folder


def test_paired_difference_and_interval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _run(tmp_path / "old", [0.1, 0.2, 0.3, 0.4])
    # the same requests, each better by exactly 0.1, listed in another order: pairing is by request
    new = tmp_path / "new"
    new.mkdir()
    pd.read_parquet(old / "per_user.parquet").assign(**{"ndcg@10": lambda d: d["ndcg@10"] + 0.1}).iloc[
        ::-1
    ].to_parquet(new / "per_user.parquet")
    assert compare_evaluations.main([str(new), str(old)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("warm"))
    assert "+0.1000" in line and "[+0.1000, +0.1000]" in line and " 4 " in line


def test_missing_table_or_metric_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _run(tmp_path / "old", [0.1, 0.2])
    assert compare_evaluations.main([str(tmp_path / "absent"), str(old)]) == 2
    assert "per_user.parquet not found" in capsys.readouterr().err
    assert compare_evaluations.main([str(old), str(old), "--metric", "ndcg@99"]) == 2
    assert "no column 'ndcg@99'" in capsys.readouterr().err
