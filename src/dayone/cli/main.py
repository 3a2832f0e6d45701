"""The `dayone` command: one typer app, each command group in its own module."""

from __future__ import annotations

import typer

from dayone.cli import bench as bench_cmd
from dayone.cli import core as core_cmd
from dayone.cli import evaluate as evaluate_cmd
from dayone.cli import serve as serve_cmd

app = typer.Typer(
    name="dayone",
    help="Cold-start recommendation with pretrained language models.",
    no_args_is_help=True,
    add_completion=False,
)

for module in (core_cmd, bench_cmd, evaluate_cmd, serve_cmd):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
