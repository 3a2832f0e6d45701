"""`dayone serve --workers 2`: several API processes on one port and one store.

What must hold: both processes answer, a keep-alive request is not delayed by Nagle's
algorithm (uvicorn's shared socket used to lose TCP_NODELAY), and a write made through one
process is visible to the very next read through the other (read-your-writes).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def two_workers(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {**os.environ, "DAYONE_LOG_LEVEL": "WARNING", "DAYONE_SYNC_INTERVAL_S": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dayone.cli.main", "serve", "--workers", "2", "--catalog", "none",
         "--encoder", "hashing", "--port", str(port), "--store", f"sqlite:///{tmp_path / 's.db'}"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    seen: set[str] = set()
    try:
        while len(seen) < 2:  # both processes up and ready
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
            if time.time() > deadline:
                raise AssertionError(f"only {len(seen)} worker(s) ready after 120 s")
            try:
                with httpx.Client(base_url=base) as c:
                    r = c.get("/health/ready")
                    if r.status_code == 200:
                        seen.add(r.headers["x-dayone-process"])
            except httpx.HTTPError:
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_write_through_one_process_is_read_through_the_other(two_workers: str) -> None:
    crossed = 0
    # the follower thread syncs only every 30 s here, so any visibility comes from the read
    for k in range(16):
        with httpx.Client(base_url=two_workers) as writer:
            r = writer.post("/api/v1/items", json={"id": f"n{k}", "fields": {"title": f"zeppelin marimba {k}"}})
            assert r.status_code == 201
            wrote = r.headers["x-dayone-process"]
        with httpx.Client(base_url=two_workers) as reader:  # a new connection: any process
            r = reader.post("/api/v1/recommendations/session",
                            json={"context": {"text": f"zeppelin marimba {k}"}, "n": 3})
            crossed += r.headers["x-dayone-process"] != wrote
            assert f"n{k}" in [x["item"] for x in r.json()["data"]]
    assert crossed > 0, "no read was served by the other process"


def test_the_shared_socket_keeps_tcp_nodelay() -> None:
    """uvicorn binds the workers' socket with protocol 0, and asyncio then leaves Nagle's
    algorithm on: +40 ms per keep-alive response. The served socket must say TCP."""
    from dayone.service.settings import Settings
    from dayone.service.workers import TcpConfig

    settings = Settings(port=_free_port())
    config = TcpConfig("dayone.service.workers:worker_app", factory=True, workers=2,
                       host="127.0.0.1", port=settings.port)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
