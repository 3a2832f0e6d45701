"""`create_app(settings)`: the FastAPI application, its lifespan and error contract.

The lifespan opens the store and loads the model in a background thread (or before serving,
with `start_in_background = false`), so `/health/live` answers at once and `/health/ready`
turns green only when recommendations can be served. Errors follow one contract: bad input is a
4xx with a `detail` that says what is wrong; a 500 means a bug, never user input.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from dayone import __version__
from dayone.data.errors import DataError
from dayone.encoders import Encoder, get_encoder
from dayone.encoders.choice import SAMPLE_ROWS, choose_encoder, record_texts
from dayone.recommender.config import RecommenderConfig
from dayone.recommender.recommender import UnknownItemError
from dayone.service.deps import reject_unknown_query
from dayone.service.engine import Engine, NotFound, Seed, UnknownCategory
from dayone.service.observability import (
    BodyLimitMiddleware,
    JsonBodyMiddleware,
    Metrics,
    ObservabilityMiddleware,
    configure_logging,
)
from dayone.service.routers import events, health, items, models, recommendations, users
from dayone.service.schemas import id_problem
from dayone.service.settings import Settings
from dayone.storage import EventRow, Store, open_store
from dayone.storage.embeddings import StoreEmbeddingCache

log = logging.getLogger("dayone.service")
API_PREFIX = "/api/v1"
STATIC_DIR = Path(str(resources.files("dayone.service") / "static"))


def demo_seed() -> tuple[list[dict[str, Any]], list[EventRow]]:
    """The embedded demo catalogue and its ratings (as `rating` events) for an empty store."""
    from dayone.demo import load_demo_catalog

    catalog, ratings = load_demo_catalog()
    events = [
        EventRow(user=str(u), item=str(i), kind="rating", value=float(r),
                 ts=float(t) if t == t else 0.0)
        for u, i, r, t in zip(ratings["user"], ratings["item"], ratings["rating"],
                              ratings["ts"], strict=True)
    ]
    return catalog.records(), events


def seed_for(catalog: str) -> Seed | None:
    if catalog == "none":
        return None
    if catalog == "demo":
        return demo_seed

    def from_file() -> list[dict[str, Any]]:
        from dayone.data.loaders import read_records, record_id

        rows = read_records(catalog)
        seen: set[str] = set()
        for n, row in enumerate(rows, start=1):
            if "id" not in row:
                raise DataError("the seed catalogue needs an 'id' column", file=catalog, row=n, field="id")
            item_id = row["id"] = record_id(row, "id", catalog, n)  # as the catalogue loaders read ids
            if id_problem(item_id) is not None:
                raise DataError(f"item id {item_id!r}: {id_problem(item_id)}", file=catalog, row=n, field="id")
            if item_id in seen:
                raise DataError(f"duplicate item id {item_id!r}", file=catalog, row=n, field="id")
            seen.add(item_id)
            for key, value in row.items():  # what the API would take as a field
                if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list)
                                                                                for v in value)):
                    raise DataError("a field is text, a number, true/false or a list of those",
                                    file=catalog, row=n, field=key)
        return rows

    return from_file


def create_app(
    settings: Settings | None = None,
    *,
    encoder: Encoder | None = None,
    seed: Seed | None = None,
) -> FastAPI:
    """Build the app. `encoder` / `seed` override the settings (tests inject tiny ones)."""
    settings = settings or Settings.model_validate({})
    configure_logging(settings.log_level, settings.log_json)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from threadpoolctl import threadpool_limits

        # process-wide: each request is one small product, and requests already run in parallel
        blas = threadpool_limits(settings.blas_threads, user_api="blas")
        store = open_store(settings.store_url, sqlite_synchronous=settings.sqlite_synchronous)
        engine = engine_for(settings, store, encoder, seed, on_refit=metrics.refits.inc,
                            on_events=metrics.count_events)
        app.state.engine = engine

        def start() -> None:
            engine.start()
            # The model is millions of long-lived objects (catalogue, ids, caches); every full
            # garbage collection would walk them all while a request waits. Freeze what start-up
            # made so the collector only ever scans what requests allocate.
            gc.collect()
            gc.freeze()
            engine.start_background(settings.sync_interval_s, settings.refit_interval_s)
            c = engine.counts()
            log.info("ready", extra={"store": _redact(settings.store_url),
                                     "encoder": engine.encoder.model_id if engine.encoder else None,
                                     **c, "model_version": engine.state.version})

        def start_and_report() -> None:
            try:
                start()
            except Exception as exc:  # the probes say so; a restart is the operator's call
                engine.start_error = f"{type(exc).__name__}: {exc}"
                log.exception("start-up failed")

        if settings.start_in_background:
            # the port opens now: liveness answers during a long first build, readiness and
            # the API say 503 until the model is in
            threading.Thread(target=start_and_report, name="dayone-start", daemon=True).start()
        else:
            start()
        try:
            yield
        finally:
            engine.stop()
            store.close()
            app.state.engine = None
            blas.restore_original_limits()
            gc.unfreeze()  # a process that builds apps again (tests) can collect this one

    app = FastAPI(
        title="dayone",
        version=__version__,
        summary="Cold-start recommendations from the first moment.",
        description=(
            "Recommendations for new users (free text, attributes, a few picks), new items "
            "(recommendable as soon as they are added) and everyone in between. Every item "
            "carries `source` (the strategy that produced it) and an explanation; every "
            "list says which `strategy` served it. When API keys are configured, send one as "
            "`X-API-Key`; write endpoints need a key with the `write` scope."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.engine = None

    # routes are matched in order, one pattern at a time: the hot read paths go first
    for r in (recommendations.router, users.router, events.router, items.router,
              items.categories_router, models.router):
        app.include_router(r, prefix=API_PREFIX, dependencies=[Depends(reject_unknown_query)])
    app.include_router(health.router)
    _install_error_handlers(app)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    # outermost first: limits before anything reads the body, then timing/logging
    app.add_middleware(JsonBodyMiddleware, prefix=API_PREFIX)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return app


def engine_for(settings: Settings, store: Store, encoder: Encoder | None, seed: Seed | None,
               **hooks: Any) -> Engine:
    """The engine the settings describe, over an open store.

    The "default" encoder follows the catalogue's language (`dayone.encoders.choice`): a
    Chinese catalogue (`language = "zh"`), or one whose stored (or seed) items are mostly in a
    non-Latin script or a tenth in another language, gets the multilingual model."""
    name = settings.encoder
    if encoder is None:
        sample = (_catalogue_sample(store, seed or seed_for(settings.catalog), settings.catalog)
                  if settings.encoder == "default" and settings.language == "en" else None)
        name = choose_encoder(settings.encoder, settings.language, sample)
    return Engine(
        store,
        RecommenderConfig.model_validate({
            "encoder": name, "domain": settings.domain,
            "language": settings.language, "index": settings.index,
            "hnsw_threshold": settings.hnsw_threshold,
            "popularity_half_life_days": settings.popularity_half_life_days or None}),
        # item vectors live in the store too: restarts, refits and sibling processes reuse them
        encoder=StoreEmbeddingCache(encoder or get_encoder(name), store),
        data_dir=settings.data_dir,
        seed_records=seed or seed_for(settings.catalog),
        category_fields=settings.category_fields,
        history_limit=settings.history_limit,
        fresh_reads=settings.fresh_reads,
        **hooks,
    )


def _catalogue_sample(store: Store, seed: Seed | None, catalog: str) -> list[str] | None:
    """Texts of up to `SAMPLE_ROWS` items, to judge the catalogue's language: from the store,
    or, before a first start has seeded it, from the seed file (the demo is English)."""
    rows, _ = store.list_items(0, SAMPLE_ROWS)
    if rows:
        return record_texts([r.fields for r in rows])
    if seed is None or catalog in ("demo", "none"):
        return None
    seeded = seed()
    records = seeded[0] if isinstance(seeded, tuple) else seeded
    return record_texts(records)


def prepare_store(settings: Settings, encoder: Encoder | None = None, seed: Seed | None = None) -> int | None:
    """Seed the store and save a model version once, before worker processes start.

    Workers then load that snapshot instead of each seeding (which would race) and each
    building the model from scratch. Returns the saved model version.
    """
    store = open_store(settings.store_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        engine = engine_for(settings, store, encoder, seed)
        engine.start()
        return engine.snapshot()
    finally:
        store.close()


def serve(settings: Settings) -> None:
    """Run the service with uvicorn: in this process, or in `settings.workers` processes."""
    import uvicorn

    if settings.workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_config=None, access_log=False)
        return
    from dayone.service.workers import run_workers

    configure_logging(settings.log_level, settings.log_json)
    version = prepare_store(settings)
    log.info("store prepared for workers", extra={"workers": settings.workers, "model_version": version})
    run_workers(settings)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "ids": exc.ids},
                            status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(UnknownCategory)
    async def unknown_category(_: Request, exc: UnknownCategory) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "did_you_mean": exc.close}, status_code=422)

    @app.exception_handler(UnknownItemError)
    async def unknown_item(_: Request, exc: UnknownItemError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "ids": exc.ids},
                            status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(DataError)
    async def data_error(_: Request, exc: DataError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": exc.field},
                            status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                   "type": e.get("type", "")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error (logged)"},
                            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)
