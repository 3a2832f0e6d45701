"""`dayone evaluate`: cold-start evaluation on a team's own data, or scoring of a bench task.

dayone evaluate DATA --out DIR                 # ML-100K folder, UniSRec folder, or a file
dayone evaluate TASK_DIR --responses R.jsonl --out DIR   # bench task: score responses
dayone evaluate TASK_DIR --strategy popularity --out DIR # bench task: run, then score
"""

from __future__ import annotations

import json
import math
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from dayone.cli.core import error_text
from dayone.data import DataError


def _command_line() -> str:
    args = [Path(sys.argv[0]).name] + sys.argv[1:] if sys.argv else ["dayone"]
    return " ".join(shlex.quote(a) for a in args)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("evaluate")
    def evaluate(
        data: Annotated[
            Path,
            typer.Argument(
                help="ML-100K folder, MovieLens latest folder ('demo': the packaged one), UniSRec folder, "
                "interactions file, or a bench task folder"
            ),
        ],
        out: Annotated[
            Path,
            typer.Option(
                "--out", "-o", help="folder for report.json, report.md, plots, per-user table"
            ),
        ],
        responses: Annotated[
            list[Path] | None,
            typer.Option("--responses", "-r", help="bench mode: responses file(s) to score"),
        ] = None,
        strategy: Annotated[
            list[str] | None,
            typer.Option(
                "--strategy", "-s", help="strategies to run (repeat; 'all' = every available)"
            ),
        ] = None,
        protocol: Annotated[
            list[str] | None,
            typer.Option("--protocol", "-p", help="new-user, new-item, few-shot, warm (repeat)"),
        ] = None,
        items: Annotated[
            Path | None, typer.Option(help="catalogue file when DATA is an interactions file")
        ] = None,
        users: Annotated[
            Path | None, typer.Option(help="user profiles file when DATA is an interactions file")
        ] = None,
        domain: Annotated[
            str | None,
            typer.Option(
                help="description domain (movie, product, ...) for a file or a bench task"
            ),
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option(help="JSON file with an EvalConfig (options below override it)"),
        ] = None,
        max_users: Annotated[
            int | None, typer.Option(help="users evaluated per protocol (new-user, new-item, warm)")
        ] = None,
        max_test: Annotated[int | None, typer.Option(help="few-shot test examples")] = None,
        seed: Annotated[int | None, typer.Option(help="split seed")] = None,
        threshold: Annotated[
            float | None, typer.Option(help="positive threshold (rating or weight)")
        ] = None,
        encoder: Annotated[
            str | None,
            typer.Option(help="dayone encoder name (default, minilm-torch, hashing, ...)"),
        ] = None,
        bootstrap: Annotated[
            int | None, typer.Option(help="bootstrap resamples for the 95% intervals")
        ] = None,
        per_user: Annotated[
            bool, typer.Option("--per-user/--no-per-user", help="write per_user.parquet")
        ] = True,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
        by_time: Annotated[bool, typer.Option(
            "--by-time", help="new users = the latest arrivals, fitted only on what came before them")] = False,
        user_field: Annotated[str | None, typer.Option(
            help="interactions file: user column [default: user, or a recognised name such as user_id]")] = None,
        item_field: Annotated[str | None, typer.Option(
            help="interactions file: item column [default: item, or a recognised name such as item_id, sku]")] = None,
        rating: Annotated[str | None, typer.Option(help="interactions file: rating column")] = None,
        weight: Annotated[str | None, typer.Option(help="interactions file: implicit weight column")] = None,
        liked: Annotated[str | None, typer.Option(help="interactions file: liked flag column")] = None,
        ts: Annotated[str | None, typer.Option(
            help="interactions file: time column (Unix seconds or ISO 8601) [default: ts, or timestamp, time, ...]")] = None,
        id_field: Annotated[str, typer.Option(help="catalogue file: item id column")] = "id",
        users_id_field: Annotated[str, typer.Option(help="user profiles file: id column")] = "id",
        encoding: Annotated[str, typer.Option(help="text encoding of the files")] = "utf-8",
    ) -> None:
        """Evaluate strategies under cold-start protocols and write a report with plots.

        An interactions file's columns are read by name: user, item, and any of rating,
        weight, liked and ts; common other names (user_id, customer_id, sku, timestamp,
        event_time, stars, quantity, ...) are recognised, and the options below name any
        other. The report lists which columns were used and which were not."""
        from dayone.data import InteractionMapping, ItemMapping, UserMapping
        from dayone.evaluation.bench import is_task_dir

        try:
            if is_task_dir(data):
                code = _bench_mode(
                    data,
                    out,
                    responses or [],
                    strategy or [],
                    encoder,
                    seed,
                    bootstrap,
                    quiet,
                    domain,
                )
                raise typer.Exit(code)
            if responses:
                raise typer.BadParameter(
                    "--responses only applies to a bench task folder (with task.json)"
                )
            named = {k: v for k, v in (("user", user_field), ("item", item_field), ("rating", rating),
                                       ("weight", weight), ("liked", liked), ("ts", ts)) if v}
            files = {
                "interaction_mapping": InteractionMapping(**named),
                "item_mapping": ItemMapping(id=id_field),
                "user_mapping": UserMapping(id=users_id_field),
                "encoding": encoding,
            }
            if (named or id_field != "id" or users_id_field != "id") and items is None:
                raise typer.BadParameter(
                    "column options apply to an interactions file given with --items, not to a "
                    "dataset folder", param_hint="--user-field/--item-field/--rating/--ts/--id-field")
            _data_mode(
                data,
                out,
                strategy,
                protocol,
                items,
                users,
                domain,
                config,
                max_users,
                max_test,
                seed,
                threshold,
                encoder,
                bootstrap,
                per_user,
                quiet,
                files,
                by_time,
            )
        except DataError as e:
            typer.echo(f"error: {error_text(e)}", err=True)
            raise typer.Exit(1) from None
        except ValueError as e:
            typer.echo(f"error: {error_text(e)}", err=True)
            raise typer.Exit(1) from None


def _data_mode(
    data: Path,
    out: Path,
    strategy: list[str] | None,
    protocol: list[str] | None,
    items: Path | None,
    users: Path | None,
    domain: str | None,
    config: Path | None,
    max_users: int | None,
    max_test: int | None,
    seed: int | None,
    threshold: float | None,
    encoder: str | None,
    bootstrap: int | None,
    per_user: bool,
    quiet: bool,
    files: dict[str, Any] | None = None,
    by_time: bool = False,
) -> None:
    from dayone.evaluation.config import EvalConfig
    from dayone.evaluation.datasets import detect_and_load
    from dayone.evaluation.report import write_report
    from dayone.evaluation.runner import evaluate_data

    if threshold is not None and not math.isfinite(threshold):
        raise typer.BadParameter(f"must be a finite number, got {threshold}", param_hint="--threshold")
    if encoder:
        from dayone.encoders.registry import ENCODERS

        # checked here, not when a strategy first needs it: a misspelt name must not pass silently
        if encoder not in ENCODERS and not Path(encoder).is_dir():
            raise typer.BadParameter(f"unknown encoder {encoder!r}; choose one of {', '.join(ENCODERS)} "
                                     "or a model directory", param_hint="--encoder")
    cfg = EvalConfig.from_file(config) if config else EvalConfig()
    upd: dict[str, Any] = {}
    if strategy:
        upd["strategies"] = strategy
    if protocol:
        upd["protocols"] = protocol
    if seed is not None:
        upd["seed"] = seed
    if threshold is not None:
        upd["positive_threshold"] = threshold
    if encoder:
        upd["encoder"] = encoder
    if bootstrap is not None:
        upd["bootstrap"] = bootstrap
    if max_users is not None:
        upd["new_user"] = cfg.new_user.model_copy(update={"max_users": max_users})
        upd["new_item"] = cfg.new_item.model_copy(update={"max_users": max_users})
        upd["warm"] = cfg.warm.model_copy(update={"max_users": max_users})
    if by_time:
        upd["new_user"] = upd.get("new_user", cfg.new_user).model_copy(update={"by_time": True})
    if max_test is not None:
        upd["few_shot"] = cfg.few_shot.model_copy(update={"max_test": max_test})
    cfg = EvalConfig.model_validate(
        {
            **cfg.model_dump(),
            **{k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in upd.items()},
        }
    )
    t0 = time.perf_counter()
    ds = detect_and_load(data, items, users, domain, files=files)
    if not quiet:
        typer.echo(
            f"loaded {ds.name}: {len(ds.catalog)} items, {len(ds.interactions)} interactions ({time.perf_counter() - t0:.1f}s)",
            err=True,
        )
        for note in ds.notes:
            typer.echo(f"  {note}", err=True)
    result = evaluate_data(
        ds, cfg, progress=not quiet, log=None if quiet else (lambda m: typer.echo(m, err=True))
    )
    result.timings["load"] = time.perf_counter() - t0 - result.timings.get("total", 0.0)
    paths = write_report(result, out, command=_command_line(), per_user=per_user)
    typer.echo(f"wrote {paths['md']} and {paths['json']} in {time.perf_counter() - t0:.0f}s")


def _bench_mode(
    task_dir: Path,
    out: Path,
    responses: list[Path],
    strategies: list[str],
    encoder: str | None,
    seed: int | None,
    bootstrap: int | None,
    quiet: bool,
    domain: str | None = None,
) -> int:
    """Score responses files, or run strategies on the task and score their answers."""
    from dayone.evaluation.bench import (
        BenchTask,
        answer_task,
        score_ci,
        score_responses,
        task_view,
        write_responses,
    )
    from dayone.evaluation.strategies import StrategyOptions, resolve_strategies

    task = BenchTask.load(task_dir, with_train=bool(strategies))
    out.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[str, Path, float]] = [(p.name, p, 0.0) for p in responses]
    if strategies:
        factories = resolve_strategies(strategies)
        opts = StrategyOptions(seed=seed or 0, encoder=encoder or "default")
        view = task_view(task, domain or "generic")
        for name, factory in factories.items():
            t0 = time.perf_counter()
            strat = factory(view, opts)
            answers = answer_task(task, strat, progress=not quiet)
            path = out / f"responses_{name}.jsonl"
            write_responses(path, answers, task.kind == "binary")
            runs.append((name, path, time.perf_counter() - t0))
    if not runs:
        raise typer.BadParameter("bench mode needs --responses FILE or --strategy NAME")
    results = []
    invalid = False
    for name, path, secs in runs:
        sc = score_responses(task, path)
        entry = {"name": name, "responses": str(path), **sc.to_json(), "seconds": round(secs, 2)}
        entry["ci95"] = {
            k: list(v) for k, v in score_ci(sc, 1000 if bootstrap is None else bootstrap).items()
        }
        results.append(entry)
        invalid |= not sc.valid
        if not quiet:
            typer.echo(
                f"{name}: "
                + ", ".join(
                    f"{k}={v:.4f}" if v is not None else f"{k}=n/a"
                    for k, v in entry["metrics"].items()
                )
                + (
                    ""
                    if sc.valid
                    else "  INVALID: " + ", ".join(f"{k}={v}" for k, v in sc.problems.items())
                ),
                err=True,
            )
    report = {
        "task": task.name,
        "kind": task.kind,
        "primary": task.primary,
        "command": _command_line(),
        "runs": results,
    }
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    _bench_markdown(report, out)
    typer.echo(f"wrote {out / 'report.md'} and {out / 'report.json'}")
    return 2 if invalid else 0


def _bench_markdown(report: dict[str, Any], out: Path) -> None:
    import math

    from dayone.evaluation.report import _plt

    runs = report["runs"]
    metrics = list(runs[0]["metrics"]) if runs else []
    lines = [
        f"# dayone evaluate: bench task {report['task']} ({report['kind']})",
        "",
        "```",
        report["command"],
        "```",
        "",
        "Metrics as `../shared/bench/score.py` computes them; 95% bootstrap intervals.",
        "",
        "| run | valid | " + " | ".join(metrics) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    for r in runs:
        cells = []
        for m in metrics:
            v = r["metrics"].get(m)
            ci = r["ci95"].get(m)
            s = "n/a" if v is None else f"{v:.4f}"
            if ci and ci[0] is not None and not math.isnan(ci[0]):
                s += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
            cells.append(s)
        lines.append(
            f"| {r['name']} | {'yes' if r['valid'] else 'NO: ' + ', '.join(f'{k}={v}' for k, v in r['problems'].items())} | "
            + " | ".join(cells)
            + " |"
        )
    primary = report.get("primary") or (metrics[0] if metrics else None)
    if primary and runs:
        plt = _plt()
        fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(runs) + 1), 3.8))
        vals = [r["metrics"].get(primary) or 0.0 for r in runs]
        lo = [
            max(v - (r["ci95"].get(primary, [v, v])[0] or v), 0)
            for v, r in zip(vals, runs, strict=True)
        ]
        hi = [
            max((r["ci95"].get(primary, [v, v])[1] or v) - v, 0)
            for v, r in zip(vals, runs, strict=True)
        ]
        ax.bar(range(len(runs)), vals, yerr=[lo, hi], capsize=3)
        ax.set_xticks(range(len(runs)))
        ax.set_xticklabels([r["name"] for r in runs], rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(primary)
        ax.set_title(f"{report['task']}: {primary} (95% CI)")
        fig.tight_layout()
        fig.savefig(out / "bars.png", dpi=110)
        plt.close(fig)
        lines += ["", "![bars](bars.png)"]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
