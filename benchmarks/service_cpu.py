"""CPU time the server spends per request, by route: where a request's cost goes.

    python benchmarks/service_cpu.py                 # 20k items, 300 sequential requests each
    python benchmarks/service_cpu.py --items 100000 text user

Latency under load mixes queueing with work; CPU time per request is the work itself, and it
decides the throughput a core can give. The server is the load test's (benchmarks/
load_service.py: uvicorn, SQLite store, HNSW, the real encoder for queries and new items); it
is read from /proc (user + system time of the server process) around N sequential requests
per route, and printed next to `/health/live` (the framework's floor, same run) and the
client's own CPU per request.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_service as ls  # noqa: E402


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("routes", nargs="*", default=["health", "text", "user", "item", "event"])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    n = args.items
    with tempfile.TemporaryDirectory(prefix="dayone-cpu-") as tmp:
        port = ls.free_port()
        proc = subprocess.Popen([sys.executable, "-c", ls.SERVER.format(here=str(ls.HERE)),
                                 str(n), str(port), tmp, "1"])
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"server exited with {proc.returncode}")
                try:
                    if httpx.get(base + "/health/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            with httpx.Client(base_url=base, timeout=60) as c:
                users = [{"id": f"u{i}", "attributes": {"age": 18 + i % 50},
                          "text": f"I like {ls.TOPIC[i % len(ls.TOPIC)]}"} for i in range(200)]
                c.post("/api/v1/users/batch", json={"users": users}).raise_for_status()
                events = [{"user_id": f"u{i}", "item_id": f"s{(i * 31 + j) % n}", "kind": "like"}
                          for i in range(200) for j in range(5)]
                c.post("/api/v1/events/batch", json={"events": events}).raise_for_status()
                calls: dict[str, Callable[[int], Any]] = {
                    "health": lambda k: c.get("/health/live"),
                    "text": lambda k: c.post("/api/v1/recommendations/session", json={
                        "context": {"text": ls.query_text(k, 0)}, "n": 10}),
                    "user": lambda k: c.get(f"/api/v1/users/u{k % 200}/recommendations",
                                            params={"n": 10}),
                    "item": lambda k: c.post("/api/v1/items", json={"id": f"new{k}", "fields": {
                        "title": f"Fresh {k}", "description": "a new thing about jazz"}}),
                    "event": lambda k: c.post("/api/v1/events", json={
                        "user_id": f"u{k % 200}", "item_id": f"s{(k * 7919) % n}", "kind": "like"}),
                }
                floor = None
                for name in ["health", *[r for r in args.routes if r != "health"]]:
                    call = calls[name]
                    for k in range(20):
                        call(10**6 + k)  # warm-up, distinct ids and sentences
                    s0, c0 = process_cpu(proc.pid), time.process_time()
                    for k in range(args.requests):
                        call(k)
                    server = (process_cpu(proc.pid) - s0) / args.requests * 1e3
                    client = (time.process_time() - c0) / args.requests * 1e3
                    floor = server if name == "health" else floor
                    ratio = f"  x{server / floor:.1f} the floor" if floor and name != "health" else ""
                    print(f"{name:7s} server cpu {server:6.2f} ms/request{ratio}  "
                          f"(client {client:.2f} ms)", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
