"""kill -9 the server during a burst of writes; show that no acknowledged write is lost.

What it does: starts the real service (uvicorn, tiny catalogue, hashing encoder) as a child
process on 127.0.0.1, runs writer threads that add items and events as fast as they can and
record every write the server acknowledged (2xx), sends SIGKILL mid-burst, restarts the server
on the same store and checks that every acknowledged write is there, in the store *and* in the
restarted model.

    python benchmarks/crash_writes.py                        # SQLite (default settings)
    python benchmarks/crash_writes.py --store postgres       # a private PostgreSQL cluster
    python benchmarks/crash_writes.py --rounds 3 --writers 8

Exit status 0 = nothing acknowledged was lost.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SERVER = """
import sys, uvicorn
from dayone.service.testing import tiny_app
uvicorn.run(tiny_app(sys.argv[1], store_url=sys.argv[2], log_level="WARNING"),
            host="127.0.0.1", port=int(sys.argv[3]), log_config=None, access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workdir: Path, store_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(workdir), store_url, str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(base + "/health/ready", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not become ready in 60 s")


@dataclass
class Acks:
    items: set[str] = field(default_factory=set)
    events: dict[str, set[int]] = field(default_factory=dict)  # user -> acknowledged seqs
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def writer(base: str, wid: int, rnd: int, acks: Acks, stop: threading.Event) -> None:
    user = f"crash-r{rnd}-w{wid}"
    k = 0
    with httpx.Client(base_url=base, timeout=5) as c:
        while not stop.is_set():
            k += 1
            try:
                if k % 3 == 0:
                    iid = f"crash-r{rnd}-w{wid}-i{k}"
                    r = c.post("/api/v1/items", json={"id": iid, "fields": {
                        "title": f"Crash item {k}", "description": f"burst {wid} {k}"}})
                    with acks.lock:
                        acks.attempts += 1
                        if r.status_code == 201:
                            acks.items.add(iid)
                else:
                    r = c.post("/api/v1/events", json={
                        "user_id": user, "item_id": f"m{1 + k % 12}",
                        "kind": "rating" if k % 2 else "click", "value": float(k % 5 + 1)})
                    with acks.lock:
                        acks.attempts += 1
                        if r.status_code == 201:
                            acks.events.setdefault(user, set()).add(int(r.json()["seq"]))
            except httpx.HTTPError:
                return  # the server is gone


def one_round(workdir: Path, store_url: str, rnd: int, writers: int, kill_after: float) -> dict:
    proc, base = start_server(workdir, store_url)
    acks = Acks()
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(base, w, rnd, acks, stop))
               for w in range(writers)]
    for t in threads:
        t.start()
    time.sleep(kill_after)
    os.kill(proc.pid, signal.SIGKILL)  # no shutdown hooks, no flush: a crash
    proc.wait()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    proc2, base2 = start_server(workdir, store_url)
    lost_items: list[str] = []
    lost_events = 0
    model_missing = 0
    try:
        with httpx.Client(base_url=base2, timeout=10) as c:
            for iid in sorted(acks.items):
                if c.get(f"/api/v1/items/{iid}").status_code != 200:
                    lost_items.append(iid)
                # the restarted *model* has it too: it is recommendable by its own text
                r = c.post("/api/v1/recommendations/session",
                           json={"candidates": [iid], "n": 1}).json()
                if [x["item"] for x in r.get("data", [])] != [iid]:
                    model_missing += 1
            for user, seqs in acks.events.items():
                stored = {e["seq"] for e in c.get(f"/api/v1/users/{user}/events",
                                                    params={"limit": 10000}).json()["data"]}
                lost_events += len(seqs - stored)
                n_model = c.get(f"/api/v1/users/{user}").json()["n_events"]
                if n_model < len(seqs):
                    model_missing += len(seqs) - n_model
    finally:
        proc2.terminate()
        proc2.wait(timeout=30)
    n_acked = len(acks.items) + sum(len(s) for s in acks.events.values())
    return {"round": rnd, "attempted": acks.attempts, "acknowledged": n_acked,
            "lost_items": len(lost_items), "lost_events": lost_events,
            "missing_from_restarted_model": model_missing}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--kill-after", type=float, default=2.0, help="seconds into the burst")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dayone-crash-") as tmp:
        workdir = Path(tmp)
        if args.store == "postgres":
            from dayone.storage.pgtemp import temporary_postgres

            ctx = temporary_postgres()
            store_url = ctx.__enter__()
        else:
            ctx = None
            store_url = f"sqlite:///{workdir / 'store.db'}"
        try:
            results = [one_round(workdir, store_url, r, args.writers, args.kill_after)
                       for r in range(args.rounds)]
        finally:
            if ctx is not None:
                ctx.__exit__(None, None, None)
    for res in results:
        print(json.dumps(res))
    lost = sum(r["lost_items"] + r["lost_events"] + r["missing_from_restarted_model"]
               for r in results)
    total = sum(r["acknowledged"] for r in results)
    print(f"{args.store}: {total} acknowledged writes across {len(results)} kill -9 rounds, "
          f"{lost} lost")
    return 0 if lost == 0 and total > 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
