"""Core CLI commands: demo, describe, build, recommend, similar, users-for-item, doctor."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from dayone.data import DataError

ItemsOpt = Annotated[Path, typer.Argument(help="catalogue file (.csv, .tsv, .jsonl, .parquet)", exists=True, dir_okay=False)]


def _parse_attrs(values: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw in values or []:
        if "=" not in raw:
            raise typer.BadParameter(f"expected KEY=VALUE, got {raw!r}", param_hint="--attr")
        key, value = raw.split("=", 1)
        if not key.strip():
            raise typer.BadParameter(f"empty key in {raw!r}", param_hint="--attr")
        try:
            out[key.strip()] = int(value) if value.strip().lstrip("-").isdigit() else value.strip()
        except ValueError:
            out[key.strip()] = value.strip()
    return out


def _parse_picks(values: list[str] | None) -> list[dict[str, Any]]:
    """ITEM, ITEM:RATING, ITEM:like or ITEM:dislike."""
    out: list[dict[str, Any]] = []
    for raw in values or []:
        item, _, signal = raw.partition(":")
        if not item:
            raise typer.BadParameter(f"empty item id in {raw!r}", param_hint="--pick")
        entry: dict[str, Any] = {"item": item}
        if signal in ("like", "liked", "+"):
            entry["liked"] = True
        elif signal in ("dislike", "disliked", "-"):
            entry["liked"] = False
        elif signal:
            try:
                entry["rating"] = float(signal)
            except ValueError:
                raise typer.BadParameter(
                    f"{raw!r}: after ':' give a rating number, 'like' or 'dislike'", param_hint="--pick"
                ) from None
            if not math.isfinite(entry["rating"]) or abs(entry["rating"]) > 1e6:
                raise typer.BadParameter(f"{raw!r}: a rating is a finite number within ±1e6", param_hint="--pick")
        out.append(entry)
    return out


def error_text(exc: Exception) -> str:
    """One line per problem: a settings error names the setting and what it accepts, without
    pydantic's type codes and links (a command-line user did not write the model)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            + (f" (got {e['input']!r})" if e["type"] != "missing" and not isinstance(e["input"], dict) else "")
            for e in exc.errors()
        )
    return str(exc)


# `dayone build`'s defaults for the settings it also takes as options: a --config file's
# value stands unless the option was given a different one
_BUILD_DEFAULTS = {"encoder": "default", "domain": "generic", "language": "en"}


def read_config_file(path: Path) -> dict[str, Any]:
    """A JSON object of settings, with errors that name the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read the settings: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise DataError("the settings must be a JSON object of name: value", file=str(path))
    return data


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {error_text(exc)}", err=True)
    raise typer.Exit(code=2)


def _title_and_id(rec: Any) -> Any:
    """"Crazy [trk0042]": two songs may share a title, and the id is what the next command
    (`--pick`, `similar`) takes."""
    return lambda item: f"{rec.catalog.title(item)} [{item}]"


def _print_recs(recs: list[Any], titles: Any) -> None:
    for rank, r in enumerate(recs, start=1):
        typer.echo(f"  {rank:2d}. {titles(r.item)}  [{r.source}]  {r.explanation}")


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        encoder: Annotated[str, typer.Option(help="encoder name (see `dayone doctor`)")] = "default",
        n: Annotated[int, typer.Option(min=1, max=50, help="items per list")] = 5,
        rebuild: Annotated[bool, typer.Option(help="ignore the saved demo model and rebuild it")] = False,
    ) -> None:
        """Recommend for new users (a sentence, a profile, three picks) and place a brand-new item."""
        from dayone.demo import build_demo_recommender
        from dayone.encoders import get_encoder

        rec = build_demo_recommender(get_encoder(encoder), rebuild=rebuild)
        title = rec.catalog.title
        typer.echo(f"dayone demo: {len(rec.catalog)} films, {len(rec.interactions)} ratings, encoder {rec.encoder.model_id}\n")
        sentence = "slow-burn sci-fi, nothing gory"
        typer.echo(f"1) A new visitor writes: \u201c{sentence}\u201d")
        _print_recs(rec.recommend(sentence, n=n), title)
        profile = {"age": 34, "occupation": "teacher", "country": "Canada"}
        typer.echo(f"\n2) A new visitor gives only a profile: {profile}")
        if not rec.population.groups:
            # say it rather than let the list look like the profile chose it
            typer.echo("   (the demo's ratings come with no user profiles, so a profile cannot narrow the crowd "
                       "here: these are the best-liked films; a log with profiles (`users=`) weighs people like them)")
        _print_recs(rec.recommend({"attributes": profile}, n=n), title)
        picks: list[dict[str, Any]] = [
            {"item": "1", "rating": 5},
            {"item": "4886", "rating": 4.5},
            {"item": "6377", "rating": 5},
        ]
        typer.echo("\n3) A new visitor picks three films: " + ", ".join(title(str(p["item"])) for p in picks))
        _print_recs(rec.recommend({"history": picks}, n=n), title)
        new_item = {
            "id": "dayone-new-1",
            "title": "The Quiet Orbit (2026)",
            "genres": ["Sci-Fi", "Drama"],
            "tags": ["slow burn", "space station", "philosophical"],
        }
        rec.add_items([new_item])
        typer.echo(f"\n4) A brand-new film is added: {new_item['title']} — no retraining, it reaches:")
        for m in rec.users_for_item("dayone-new-1", n=n):
            typer.echo(f"   user {m.user}: {m.explanation}")
        request = "a slow, thoughtful film about life on a space station"
        ranked = [r.item for r in rec.recommend(request, n=len(rec.catalog))]
        typer.echo(
            f"\n   and it is recommendable at once: for \u201c{request}\u201d it ranks"
            f" #{ranked.index(str(new_item['id'])) + 1} of {len(ranked)}"
        )

    @app.command()
    def describe(
        items: ItemsOpt,
        domain: Annotated[str, typer.Option(help="generic, movie, product, music or news")] = "generic",
        language: Annotated[str, typer.Option(help="en or zh")] = "en",
        template: Annotated[Path | None, typer.Option(help="your own template JSON file", exists=True, dir_okay=False)] = None,
        id_field: Annotated[str, typer.Option(help="the id column")] = "id",
        text: Annotated[list[str] | None, typer.Option(help="item text column (repeatable), as for build")] = None,
        categorical: Annotated[list[str] | None, typer.Option(
            help="item categorical column (repeatable; 'A|B' becomes a list), as for build")] = None,
        numeric: Annotated[list[str] | None, typer.Option(help="item numeric column (repeatable), as for build")] = None,
        limit: Annotated[int, typer.Option(min=1, help="how many items to show")] = 5,
        encoding: Annotated[str, typer.Option(help="file text encoding")] = "utf-8",
        user_text: Annotated[str | None, typer.Option(help="also describe a new user who says this")] = None,
        attr: Annotated[list[str] | None, typer.Option(help="user attribute KEY=VALUE (repeatable)")] = None,
    ) -> None:
        """Show the task descriptions dayone writes for items (and optionally a new user), and
        the short field values a sentence is also matched against (third column)."""
        from dayone.data import ItemMapping, load_items
        from dayone.descriptions import Describer
        from dayone.index.field_values import identifying_fields, values_of

        try:
            describer = Describer(domain, language, template)
            # the same mapping as `build`, so what is shown is what a built model encodes
            mapping = ItemMapping(id=id_field, text=text or [], categorical=categorical or [], numeric=numeric or [])
            catalog = load_items(items, mapping, encoding=encoding)
        except (DataError, ValueError) as exc:
            _fail(exc)
        # third column: the short values a visitor's sentence is also matched against
        skip = identifying_fields([catalog.fields(i) for i in catalog.ids])
        for item_id in catalog.ids[:limit]:
            values = "; ".join(values_of(catalog.fields(item_id), skip))
            typer.echo(f"{item_id}\t{describer.item(catalog.fields(item_id))}\t{values}")
        if user_text or attr:
            typer.echo(f"user\t{describer.user(_parse_attrs(attr), user_text)}")

    @app.command()
    def build(
        items: ItemsOpt,
        out: Annotated[Path, typer.Option(help="directory to save the recommender in")],
        interactions: Annotated[Path | None, typer.Option(help="interactions file", exists=True, dir_okay=False)] = None,
        users: Annotated[Path | None, typer.Option(help="user profiles file", exists=True, dir_okay=False)] = None,
        id_field: Annotated[str, typer.Option(help="item id column")] = "id",
        users_id_field: Annotated[str | None, typer.Option(
            help="user profiles: id column [default: id, or else the --user-field column]")] = None,
        text: Annotated[list[str] | None, typer.Option(
            help="item text column (repeatable); when given, only the named columns are kept")] = None,
        categorical: Annotated[list[str] | None, typer.Option(
            help="item categorical column (repeatable; 'A|B' becomes a list); the other columns stay")] = None,
        numeric: Annotated[list[str] | None, typer.Option(help="item numeric column (repeatable)")] = None,
        user_field: Annotated[str, typer.Option(help="interactions: user column")] = "user",
        item_field: Annotated[str, typer.Option(help="interactions: item column")] = "item",
        rating: Annotated[str | None, typer.Option(help="interactions: rating column")] = None,
        weight: Annotated[str | None, typer.Option(help="interactions: implicit weight column")] = None,
        liked: Annotated[str | None, typer.Option(help="interactions: liked flag column")] = None,
        ts: Annotated[str | None, typer.Option(help="interactions: time column (Unix seconds, or ISO 8601 text read as UTC without a zone)")] = None,
        domain: Annotated[str, typer.Option(help="description domain")] = "generic",
        language: Annotated[str, typer.Option(help="en or zh")] = "en",
        encoder: Annotated[str, typer.Option(help="encoder name")] = "default",
        encoding: Annotated[str, typer.Option(help="file text encoding")] = "utf-8",
        config_file: Annotated[Path | None, typer.Option(
            "--config", exists=True, dir_okay=False,
            help="JSON file of RecommenderConfig settings (e.g. {\"beginnings\": false, \"field_match\": 0.25}); "
                 "--encoder, --domain and --language given here win")] = None,
    ) -> None:
        """Load, describe, encode and save a recommender for your own catalogue."""
        from dayone.data import (
            InteractionMapping,
            ItemMapping,
            UserMapping,
            load_interactions,
            load_items,
            load_users,
        )
        from dayone.recommender import Recommender, RecommenderConfig
        from dayone.recommender.persistence import check_save_target

        try:
            check_save_target(out)  # before the encoding work, not after it
            settings = read_config_file(config_file) if config_file else {}
            given = {k: v for k, v in (("encoder", encoder), ("domain", domain), ("language", language))
                     if v != _BUILD_DEFAULTS[k] or k not in settings}
            try:
                config = RecommenderConfig(**{**settings, **given})
            except ValidationError as exc:  # name the file the bad setting came from
                if config_file is None:
                    raise
                raise DataError(error_text(exc), file=str(config_file)) from None
            catalog = load_items(
                items, ItemMapping(id=id_field, text=text or [], categorical=categorical or [], numeric=numeric or []), encoding
            )
            df = (
                load_interactions(
                    interactions,
                    InteractionMapping(user=user_field, item=item_field, rating=rating, weight=weight, liked=liked, ts=ts),
                    catalog,
                    encoding,
                )
                if interactions
                else None
            )
            for note in df.attrs.get("notes", []) if df is not None else []:
                typer.echo(f"interactions: {note}", err=True)
            # the profiles may be keyed like the interactions' user column, recognised or named
            keyed = df.attrs.get("user_column", user_field) if df is not None else user_field
            table = (load_users(users, UserMapping(id=users_id_field or "id"), encoding,
                                id_fallbacks=() if users_id_field else tuple(dict.fromkeys((user_field, keyed))))
                     if users else None)
            rec = Recommender.build(catalog, df, table, config=config, show_progress=True)
            rec.save(str(out))
        except (DataError, ValueError) as exc:
            _fail(exc)
        typer.echo(f"saved {len(rec.catalog)} items, {len(rec.interactions)} interactions to {out}")
        if len(rec.interactions):
            from dayone.recommender.handover import summarise_handover

            for line in summarise_handover(rec.handover_report):
                typer.echo(line)
        if rec.recency_report:
            from dayone.recommender.recency import summarise_recency

            typer.echo(summarise_recency(rec.recency_report))

    @app.command()
    def recommend(
        model: Annotated[Path, typer.Argument(help="a directory written by `dayone build`")],
        text: Annotated[str | None, typer.Option(help="what the user says they like")] = None,
        attr: Annotated[list[str] | None, typer.Option(help="profile attribute KEY=VALUE (repeatable)")] = None,
        pick: Annotated[list[str] | None, typer.Option(help="history ITEM[:RATING|:like|:dislike] (repeatable)")] = None,
        user: Annotated[str | None, typer.Option(help="a known user id")] = None,
        n: Annotated[int, typer.Option(min=1, max=1000)] = 10,
        likes: Annotated[list[str] | None, typer.Option(
            "--likes", help="instead of a list: how likely the user is to like ITEM (repeatable)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON lines")] = False,
        keep_seen: Annotated[bool, typer.Option(
            "--keep-seen", help="items already in the history may come back (replays: music, re-buys)")] = False,
    ) -> None:
        """Recommend for a user described on the command line, or (--likes) say how likely
        they are to like given items."""
        from dayone.recommender import Recommender, UnknownItemError, UserContext

        try:
            rec = Recommender.load(str(model))
            if user is not None and user not in rec.users and user not in rec.histories:
                raise DataError(f"unknown user {user!r}: not in the saved model's users or interactions",
                                field="--user")
            ctx = UserContext(user_id=user, text=text, attributes=_parse_attrs(attr), history=_parse_picks(pick))
            if likes:
                answers = rec.predict_likes(ctx, likes)
            else:
                recs = rec.recommend(ctx, n=n, exclude_history=not keep_seen)
        except (DataError, ValueError, UnknownItemError) as exc:
            _fail(exc)
        if likes:
            for a in answers:
                line = (json.dumps(a.model_dump()) if as_json else
                        f"{a.probability:.2f}  {rec.catalog.title(a.item)} [{a.item}]  ({a.source}) {a.explanation}")
                typer.echo(line)
            return
        if as_json:
            for r in recs:
                sys.stdout.write(json.dumps(r.model_dump()) + "\n")
        else:
            _print_recs(recs, _title_and_id(rec))

    @app.command()
    def similar(
        model: Annotated[Path, typer.Argument(help="a directory written by `dayone build`")],
        item_or_text: Annotated[str, typer.Argument(help="an item id or any text")],
        n: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    ) -> None:
        """Items similar to an item or to a text."""
        from dayone.recommender import Recommender

        try:
            rec = Recommender.load(str(model))
            if item_or_text.strip() in rec.index:  # a pasted id with a stray space
                item_or_text = item_or_text.strip()
            if item_or_text not in rec.index and len(item_or_text.split()) == 1:
                # one word that is no id: a mistyped id would otherwise be answered as text
                typer.echo(f"note: no item has the id {item_or_text!r}; matching it as text", err=True)
            recs = rec.similar_items(item_or_text, n=n)
        except (DataError, ValueError) as exc:
            _fail(exc)
        _print_recs(recs, _title_and_id(rec))

    @app.command()
    def doctor() -> None:
        """Print versions, thread settings and whether the packaged model loads offline."""
        import platform

        import numpy as np

        import dayone
        from dayone.encoders import ENCODERS, default_cache_dir, get_encoder

        typer.echo(f"dayone {dayone.__version__}, python {platform.python_version()}, numpy {np.__version__}")
        try:
            from threadpoolctl import threadpool_info

            for pool in threadpool_info():
                typer.echo(f"blas: {pool.get('internal_api')} threads={pool.get('num_threads')}")
        except ImportError:
            pass
        typer.echo(f"cache dir: {default_cache_dir()}")
        typer.echo(f"encoders: {', '.join(ENCODERS)}")
        enc = get_encoder("default", cached=False)
        vec = enc.encode(["a quiet space drama"])
        typer.echo(f"default encoder: {enc.model_id}, dim {enc.dim}, norm {float(np.linalg.norm(vec[0])):.3f}: ok")
