"""`dayone serve`: run the HTTP service (API + web page) with uvicorn.

With no options it serves the embedded demo catalogue from ./dayone-data/dayone.db on
http://127.0.0.1:8000. Settings come from DAYONE_* environment variables, a TOML file given with
`--config`, and the options below (highest precedence).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dayone.cli.core import error_text


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("serve")
    def serve(
        config: Annotated[Path | None, typer.Option(
            "--config", "-c", help="TOML config file (see --write-config)")] = None,
        host: Annotated[str | None, typer.Option(help="bind address")] = None,
        port: Annotated[int | None, typer.Option(help="TCP port")] = None,
        store: Annotated[str | None, typer.Option(
            "--store", help="sqlite:///file.db or a postgresql:// DSN")] = None,
        catalog: Annotated[str | None, typer.Option(
            help="seed catalogue when the store is empty: demo, none, or a file")] = None,
        encoder: Annotated[str | None, typer.Option(help="encoder name")] = None,
        workers: Annotated[int | None, typer.Option(
            help="API processes (one per core is a good start); they share the store")] = None,
        write_config: Annotated[Path | None, typer.Option(
            "--write-config", help="write a commented config file with every default and exit")
        ] = None,
    ) -> None:
        """Serve recommendations over HTTP (OpenAPI docs at /docs, web page at /)."""
        from dayone.service.settings import commented_config, load_settings

        if write_config is not None:
            write_config.write_text(commented_config(), encoding="utf-8")
            typer.echo(f"wrote {write_config}")
            return
        overrides: dict[str, Any] = {k: v for k, v in {
            "host": host, "port": port, "store_url": store, "catalog": catalog,
            "encoder": encoder, "workers": workers}.items() if v is not None}
        try:
            settings = load_settings(config, **overrides)
        except (FileNotFoundError, ValueError) as e:
            typer.echo(f"error: {error_text(e)}", err=True)
            raise typer.Exit(2) from e

        problem = _preflight(settings)
        if problem is not None:
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(2)

        from dayone.service.app import serve as run_service

        if settings.workers > 1 and settings.store_url.startswith("sqlite://:memory:"):
            typer.echo("error: several workers need a shared store (a file or PostgreSQL), "
                       "not sqlite://:memory:", err=True)
            raise typer.Exit(2)
        run_service(settings)


def _preflight(settings: Any) -> str | None:
    """What would stop the service starting, found before the server starts: said there,
    it would be a traceback in the log and "Application startup failed"."""
    from pathlib import Path

    from dayone.encoders.registry import ENCODERS

    url = settings.store_url
    if not url.startswith(("sqlite://", "postgresql://", "postgres://")):
        return f"unknown store URL {url!r}: use sqlite:///file.db or postgresql://..."
    name = settings.encoder
    if name not in ENCODERS and not Path(name).is_dir():
        return f"unknown encoder {name!r}; choose one of {', '.join(ENCODERS)} or a model directory"
    if settings.catalog not in ("demo", "none") and _store_is_empty(url):
        # the seed is read only into an empty store: a seeded store restarts without it
        from dayone.data.errors import DataError
        from dayone.service.app import seed_for

        seed = seed_for(settings.catalog)
        try:
            if seed is not None:
                seed()  # reads and checks the seed catalogue
        except DataError as exc:
            return str(exc)
    return None


def _store_is_empty(url: str) -> bool:
    """Whether the store holds no item yet (True when it cannot be opened here: the start
    then reports that itself)."""
    from dayone.storage import open_store

    try:
        store = open_store(url)
    except Exception:
        return True
    try:
        return store.count_items() == 0
    except Exception:
        return True
    finally:
        store.close()
