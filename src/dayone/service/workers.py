"""Several API processes on one port: how `dayone serve --workers N` uses every core.

One Python process serves requests on one core at a time for everything that holds the GIL
(HTTP parsing, validation, JSON, the ranking's Python glue). N processes share the listening
socket, each holds its own model, and they stay consistent through the store: every write
goes to the store's change log first, and every read first applies the changes other
processes made (`Engine.sync_if_behind`), so a client never reads older state than it wrote.

The parent prepares the store once (seeding, a saved model version) so the workers neither
race to seed it nor each rebuild the model from scratch.
"""

from __future__ import annotations

import os
import socket

import uvicorn

from dayone.service.settings import Settings

#: carries the parent's settings (after config file, env and CLI options) to the workers
WORKER_SETTINGS_ENV = "DAYONE__WORKER_SETTINGS"


class TcpConfig(uvicorn.Config):
    """uvicorn binds the shared socket with protocol 0, so asyncio never sets TCP_NODELAY on
    accepted connections, and every keep-alive response after the first waits ~40 ms for the
    client's delayed ACK (uvicorn issue #3149; measured here: 44 ms per request with two
    workers against 1.8 ms with one). Re-wrap the socket as IPPROTO_TCP. Module-level because
    the config is pickled into each worker process."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock


def run_workers(settings: Settings, app_factory: str | None = None) -> None:
    """Run `settings.workers` processes of `app_factory` (an import string of a zero-argument
    function returning the app; default: the service built from `settings`)."""
    from uvicorn.supervisors import Multiprocess

    os.environ[WORKER_SETTINGS_ENV] = settings.model_dump_json()
    config = TcpConfig(app_factory or "dayone.service.workers:worker_app", factory=True,
                       workers=settings.workers, host=settings.host, port=settings.port,
                       log_config=None, access_log=False)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def worker_settings() -> Settings:
    raw = os.environ.get(WORKER_SETTINGS_ENV)
    if raw is None:
        raise RuntimeError(f"{WORKER_SETTINGS_ENV} is not set: start workers through dayone serve")
    return Settings.model_validate_json(raw)


def worker_app() -> object:
    """The app of one worker process (a uvicorn factory); the store is already seeded."""
    from dayone.service.app import create_app

    return create_app(worker_settings(), seed=lambda: [])
