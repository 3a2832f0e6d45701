"""The `dayone` command: one typer app, each command group in its own module."""

from __future__ import annotations

import os
import sys

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
    """Each command turns bad input into `error: ...` itself; a path the system refuses (no
    such folder, a directory where a file belongs, no permission) can come from any of them,
    so it is turned into one here rather than a traceback."""
    try:
        app()
    except BrokenPipeError:  # `dayone ... | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0) from None
    except OSError as exc:
        where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        typer.echo(f"error: {where + ': ' if where else ''}{exc.strerror or exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
