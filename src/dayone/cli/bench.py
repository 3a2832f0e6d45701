"""`dayone run-bench`: answer a bench task's requests (see dayone.bench.runner)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("run-bench")
    def run_bench_cmd(
        task_dir: Path = typer.Argument(
            ..., help="A bench task folder (task.json, items.jsonl, requests.jsonl, ...)."
        ),
        out: Path = typer.Option(..., "--out", help="Where to write responses.jsonl."),
        setting: str | None = typer.Option(
            None,
            "--setting",
            help="zero-shot | trained (default: trained when the task allows fitting on train.jsonl).",
        ),
        seed: int = typer.Option(0, "--seed", help="Seed for every stochastic step."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
        scenario: str | None = typer.Option(
            None,
            "--scenario",
            help="cold-user | sequential | cold-item: override the kind of cold start detected "
            "from the data (ranking tasks; for comparing rankers).",
        ),
        user_text_weight: float = typer.Option(
            0.0,
            "--user-text-weight",
            min=0.0,
            help="Mix each request's free text (user.text) into ranking at this weight, in per-user "
            "z-score units (0 = off, the default: not shown to help yet).",
        ),
    ) -> None:
        """Write one response per request of TASK_DIR to --out (never reads truth.jsonl)."""
        from dayone.bench.runner import SCENARIOS, ScenarioError, run_bench
        from dayone.bench.task import SETTINGS
        from dayone.data.errors import DataError

        if setting is not None and setting not in SETTINGS:
            raise typer.BadParameter(
                f"must be one of {', '.join(SETTINGS)}", param_hint="--setting"
            )
        if scenario is not None and scenario not in SCENARIOS:
            raise typer.BadParameter(
                f"must be one of {', '.join(SCENARIOS)}", param_hint="--scenario"
            )
        try:
            summary = run_bench(task_dir, out, setting=setting, seed=seed, progress=not quiet,
                                scenario=scenario, user_text_weight=user_text_weight)
        except (DataError, PermissionError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from exc
        except ScenarioError as exc:
            raise typer.BadParameter(str(exc), param_hint="--scenario") from exc
        typer.echo(
            json.dumps(
                {
                    "task": summary.task,
                    "setting": summary.setting,
                    "seed": summary.seed,
                    "strategy": summary.strategy,
                    "requests": summary.requests,
                    "seconds": round(summary.seconds, 1),
                    "info": summary.info,
                    "out": str(out),
                }
            )
        )
