"""A throwaway PostgreSQL cluster for tests and benchmarks.

Why here and not in a test file: the PostgreSQL tests, the multi-process check and the crash
benchmark all need the same "start a real server in a temp dir, tell me why not if you can't"
routine. PostgreSQL refuses to run as root, so when we are root it runs via `runuser -u postgres`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
                     "/usr/lib/postgresql/17/bin")


class PostgresUnavailable(RuntimeError):
    """Raised with a human-readable reason when no server can be started here."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path:
    env = os.environ.get("DAYONE_PG_BIN")
    for cand in ([env] if env else []) + list(PG_BIN_CANDIDATES):
        if cand and (Path(cand) / "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (apt-get install -y postgresql-15, "
        "or set DAYONE_PG_BIN)"
    )


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a private cluster on a free port; yield its DSN; stop and delete it after."""
    if os.environ.get("DAYONE_TEST_PG_DSN"):  # an existing server was provided: use it
        yield os.environ["DAYONE_TEST_PG_DSN"]
        return
    bindir = _pg_bin()
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root and not shutil.which("runuser"):
        raise PostgresUnavailable("running as root and `runuser` is missing")
    prefix: list[str] = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = Path(tempfile.mkdtemp(prefix="dayone-pg-"))
    tmp.chmod(0o755)
    data, log = tmp / "data", tmp / "log"
    port = _free_port()
    try:
        if as_root:
            shutil.chown(tmp, user="postgres")
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True, capture_output=True, timeout=120,
        )
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60",
             "-o", f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=on",
             "-l", str(log), "start"],
            check=True, capture_output=True, timeout=90,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, KeyError, OSError) as e:
        detail = getattr(e, "stderr", b"") or b""
        shutil.rmtree(tmp, ignore_errors=True)
        raise PostgresUnavailable(
            f"could not start PostgreSQL: {e} {detail.decode(errors='replace')[-300:]}"
        ) from e
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, timeout=60, check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)
