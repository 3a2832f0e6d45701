"""Load test of the running service on a 100k-item synthetic-text catalogue.

    python benchmarks/load_service.py                      # 100k items, 60 s of load
    python benchmarks/load_service.py --items 20000 --duration 20 --concurrency 8

What runs where:
* the **server** is a child process: `uvicorn` serving `create_app(...)` on 127.0.0.1 with an
  SQLite store in a temp dir and HNSW candidate retrieval (`index="hnsw"`);
* this process is the **client**: an asyncio driver (a minimal keep-alive HTTP/1.1 client, so the
  load generator takes little of the CPU the server needs), four phases of `duration/4` seconds
  each (new-user-from-text recommend, known-user recommend, add item, add event). Each phase
  runs 20% of its time one request at a time (latency, comparable with the library), 60% as
  an **open loop at `--rate` req/s** (requests start on schedule whether or not earlier ones
  finished; latency counts from the scheduled start, so queueing is included: this is the
  "p99 at 200 req/s" figure), and 20% with `--concurrency` requests in flight (capacity);
  p50/p99 and achieved req/s for each;
* then the **library baseline** in this same process: the same catalogue in an in-process
  `Recommender`, the same calls made directly, so each service number comes with a ratio.

Encoder, honestly: text queries and every item added during the test go through the real
default encoder (all-MiniLM-L6-v2, ONNX int8); by default every text request is a sentence
never seen before (`--query-pool 0`), so none is answered from the service's query cache. Only the initial 100k-item catalogue build
uses a fast stand-in (`BulkSyntheticEncoder`: batches larger than 256 texts are hashed into
384-d vectors) because encoding 100k texts on a 2-core machine takes tens of minutes. The
similarity values between real and synthetic vectors are meaningless; the *work* per request
(encode the query, score the candidates, rank) is the same as with a fully real catalogue.

Freshness: after an add-item call returns, the client immediately asks for recommendations
restricted to that item's text and records whether the item is in them and how long after the
add returned the answer arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent

ADJ = ["cozy", "rugged", "minimal", "vintage", "bright", "quiet", "fast", "gentle", "bold",
       "classic", "playful", "elegant", "compact", "durable", "organic", "smart", "handmade"]
NOUN = ["lamp", "novel", "jacket", "headphones", "tea", "backpack", "board game", "film",
        "album", "sneakers", "camera", "cookbook", "plant", "bicycle", "watch", "podcast"]
TOPIC = ["space travel", "mountain hiking", "french cooking", "jazz", "ocean life", "history",
         "gardening", "chess", "photography", "romance", "mystery", "football", "yoga",
         "woodworking", "astronomy", "street food", "poetry", "robots", "coffee", "winter"]
CATS = ["books", "music", "films", "outdoor", "kitchen", "fashion", "games", "electronics",
        "home", "sports"]


def synthetic_catalog(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.sample(ADJ, 2)
        noun, t1, t2 = rng.choice(NOUN), rng.choice(TOPIC), rng.choice(TOPIC)
        out.append({"id": f"s{i}", "title": f"{a.title()} {noun} {i}",
                    "description": f"a {b} {noun} about {t1} and {t2}",
                    "category": rng.choice(CATS)})
    return out


class BulkSyntheticEncoder:
    """Real encoder for small batches (queries, online item adds); hashing for bulk builds."""

    def __init__(self, real: Any, bulk_threshold: int = 256) -> None:
        from dayone.encoders import HashingEncoder

        self.real = real
        self.fast = HashingEncoder(real.dim)
        self.dim = real.dim
        self.model_id = f"{real.model_id}+bulk-synthetic"
        self.bulk_threshold = bulk_threshold

    def encode(self, texts: list[str], batch_size: int = 64,
               show_progress: bool = False) -> np.ndarray:
        if len(texts) > self.bulk_threshold:
            return self.fast.encode(texts)
        return np.asarray(self.real.encode(texts, batch_size=batch_size), dtype=np.float32)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        q = getattr(self.real, "encode_query", None)
        return np.asarray(q(texts) if q else self.real.encode(texts), dtype=np.float32)


def real_encoder() -> Any:
    from dayone.encoders import get_encoder

    return get_encoder("default", cached=False)


SERVER = """
import sys
sys.path.insert(0, {here!r})
from load_service import run_server
run_server(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
"""


def server_settings(workdir: str, workers: int) -> Any:
    from dayone.service import Settings

    return Settings(store_url=f"sqlite:///{workdir}/store.db", data_dir=workdir, catalog="none",
                    index="hnsw", log_level="WARNING", max_batch=5000, workers=workers)


def run_server(n: int, port: int, workdir: str, workers: int) -> None:
    """The server process: one uvicorn process, or a parent that seeds the store and saves a
    model version, then `workers` processes that load it (as `dayone serve --workers N`)."""
    import uvicorn

    from dayone.service import create_app
    from dayone.service.app import prepare_store

    settings = server_settings(workdir, workers)
    if workers == 1:
        app = create_app(settings, encoder=BulkSyntheticEncoder(real_encoder()),
                         seed=lambda: synthetic_catalog(n))
        uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
        return
    from dayone.service.workers import run_workers

    prepare_store(settings, encoder=BulkSyntheticEncoder(real_encoder()),
                  seed=lambda: synthetic_catalog(n))
    run_workers(settings.model_copy(update={"host": "127.0.0.1", "port": port}),
                app_factory="load_service:worker_app")


def worker_app() -> Any:
    """One worker of the load-test server: the service app with the bulk-synthetic encoder."""
    from dayone.service import create_app
    from dayone.service.workers import worker_settings

    return create_app(worker_settings(), encoder=BulkSyntheticEncoder(real_encoder()),
                      seed=lambda: [])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    return float(np.percentile(np.asarray(xs), q))


class Phase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.lat: list[float] = []
        self.errors = 0
        self.wall = 0.0
        self.served_by: list[int] = []  # requests answered per API process

    def line(self, base: Phase | None = None) -> str:
        p50, p99 = pct(self.lat, 50) * 1000, pct(self.lat, 99) * 1000
        rps = len(self.lat) / self.wall if self.wall else 0.0
        s = (f"{self.name:<28} n={len(self.lat):>6}  p50={p50:7.2f} ms  p99={p99:7.2f} ms  "
             f"{rps:7.1f} req/s  errors={self.errors}")
        if len(self.served_by) > 1:
            s += "  per process " + "/".join(map(str, self.served_by))
        if base is not None and base.lat:
            s += f"  | library p50={pct(base.lat, 50) * 1000:6.2f} ms p99={pct(base.lat, 99) * 1000:6.2f} ms" \
                 f"  service/library p50 x{pct(self.lat, 50) / pct(base.lat, 50):.2f}"
        return s


async def drive(name: str, make: Callable[[int], Awaitable[Any]], seconds: float,
                concurrency: int, cap: int) -> Phase:
    """Run `make(k)` from `concurrency` tasks until `seconds` pass or `cap` requests are done."""
    phase = Phase(name)
    counter = iter(range(cap))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        for k in counter:
            if time.perf_counter() > deadline:
                return
            t0 = time.perf_counter()
            try:
                ok = await make(k)
            except Exception:
                ok = False
            if ok:
                phase.lat.append(time.perf_counter() - t0)
            else:
                phase.errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.wall = time.perf_counter() - t0
    return phase


async def drive_rate(name: str, make: Callable[[int], Awaitable[Any]], seconds: float,
                     rate: float, first: int, max_in_flight: int = 512) -> Phase:
    """Open loop: start request k at `k / rate` seconds, whether or not earlier ones finished.

    This is how traffic arrives at a service (visitors do not wait for each other), and the
    only way to ask "what is p99 at 200 req/s": a closed loop of N workers measures latency
    at whatever rate N in-flight requests allow instead. Latency counts from the scheduled
    start, so time spent queued behind a slow server (or a late client) is included, not hidden
    (no coordinated omission). Requests still unanswered after `max_in_flight` are refused by the
    client and counted as errors.
    """
    phase = Phase(name)
    n = int(seconds * rate)
    in_flight = 0
    start = time.perf_counter() + 0.05

    async def one(k: int, due: float) -> None:
        nonlocal in_flight
        in_flight += 1
        try:
            ok = await make(k)
        except Exception:
            ok = False
        finally:
            in_flight -= 1
        if ok:
            phase.lat.append(time.perf_counter() - due)
        else:
            phase.errors += 1

    tasks = []
    for k in range(n):
        due = start + k / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= max_in_flight:
            phase.errors += 1
            continue
        tasks.append(asyncio.create_task(one(first + k, due)))
    await asyncio.gather(*tasks)
    phase.wall = time.perf_counter() - start
    return phase


class RawClient:
    """A minimal HTTP/1.1 keep-alive client for the timed phases.

    The load generator shares the machine's two cores with the server; httpx spends about a
    millisecond of CPU per request, which the server would otherwise have. This writes
    pre-formatted requests on pooled connections and reads `Content-Length` bodies (all the
    service's JSON answers have one), at a small fraction of that cost.
    """

    def __init__(self, base: str, keep_alive_s: float = 4.0) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        # uvicorn closes a connection idle for 5 s; never reuse one idle for longer than this
        self.keep_alive_s = keep_alive_s
        # oldest-idle first: requests rotate over all open connections, as independent visitors'
        # would, instead of piling onto the one or two most recently used (which may all be
        # held by the same API process)
        self.idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = deque()
        self.served_by: Counter[str] = Counter()  # answering process (X-Dayone-Process)

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        now = time.perf_counter()
        while self.idle:
            reader, writer, since = self.idle.popleft()
            if now - since < self.keep_alive_s:
                return reader, writer, True
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return reader, writer, False

    async def request(self, method: str, path: str, payload: Any = None) -> tuple[int, bytes]:
        body = b"" if payload is None else json.dumps(payload).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if payload is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        message = head.encode() + b"\r\n" + body
        for attempt in range(2):
            reader, writer, reused = await self._connection()
            try:
                writer.write(message)
                header = await reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if reused and attempt == 0:  # the server closed it meanwhile: one retry, fresh
                    continue
                raise
            status = int(header[9:12])
            length = 0
            for line in header.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                elif line[:17].lower() == b"x-dayone-process:":
                    self.served_by[line[17:].strip().decode()] += 1
            data = await reader.readexactly(length)
            self.idle.append((reader, writer, time.perf_counter()))
            return status, data
        raise ConnectionError("unreachable")


def query_text(k: int, pool: int) -> str:
    """The k-th visitor's sentence. With `pool` = 0 every visitor types a new sentence, so
    each request runs the encoder (the worst case); with `pool` = N, sentences repeat every N
    visitors and the service's query cache answers the repeats."""
    j = k if pool <= 0 else k % pool
    r = random.Random(j)
    return (f"something {r.choice(ADJ)} about {r.choice(TOPIC)} and {r.choice(TOPIC)}"
            f", like {r.choice(NOUN)} number {j}")


async def run_load(base: str, n_items: int, seconds: float, concurrency: int, cap: int,
                   n_users: int, query_pool: int = 0, rate: float = 200.0
                   ) -> tuple[list[tuple[Phase, ...]], dict[str, Any]]:
    import httpx

    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as c:
        # known users with a short history each (written in batches, not timed)
        rng = random.Random(1)
        users = [{"id": f"u{i}", "attributes": {"age": 18 + i % 50},
                  "text": f"I like {rng.choice(TOPIC)}"} for i in range(n_users)]
        # set-up is not timed and the recommender encodes each profile text: generous timeout
        r = await c.post("/api/v1/users/batch", json={"users": users}, timeout=1800)
        r.raise_for_status()
        events = [{"user_id": f"u{i}", "item_id": f"s{rng.randrange(n_items)}", "kind": "like"}
                  for i in range(n_users) for _ in range(5)]
        for k in range(0, len(events), 2000):
            (await c.post("/api/v1/events/batch", json={"events": events[k:k + 2000]},
                          timeout=1800)).raise_for_status()

        per = seconds / 4

        raw = RawClient(base)

        async def text_rec(k: int) -> bool:
            status, body = await raw.request("POST", "/api/v1/recommendations/session", {
                "context": {"text": query_text(k, query_pool)}, "n": 10})
            return status == 200 and json.loads(body)["count"] == 10

        async def user_rec(k: int) -> bool:
            status, body = await raw.request("GET", f"/api/v1/users/u{k % n_users}/recommendations?n=10")
            return status == 200 and json.loads(body)["count"] == 10

        async def add_item(k: int) -> bool:
            status, _ = await raw.request("POST", "/api/v1/items", {"id": f"new{k}", "fields": {
                "title": f"Fresh {rng.choice(NOUN)} {k}",
                "description": f"a new {rng.choice(ADJ)} thing about {rng.choice(TOPIC)}",
                "category": rng.choice(CATS)}})
            return status == 201

        async def add_event(k: int) -> bool:
            status, _ = await raw.request("POST", "/api/v1/events", {
                "user_id": f"u{k % n_users}", "item_id": f"s{(k * 7919) % n_items}",
                "kind": ("click", "like", "rating")[k % 3], "value": 4.0})
            return status == 201

        # each kind of request: 20% one at a time (latency, comparable with the library), 60%
        # open loop at `rate` (the target), 20% closed loop with `concurrency` in flight (capacity)
        phases: list[tuple[Phase, ...]] = []
        for name, fn in (("recommend new user (text)", text_rec),
                         ("recommend known user", user_rec),
                         ("add item", add_item), ("add event", add_event)):
            one = await drive(name + " c=1", fn, per * 0.2, 1, cap)
            # fresh ids for the write phases' later requests
            before = Counter(raw.served_by)
            at_rate = await drive_rate(f"{name} @{rate:g}/s", fn, per * 0.6, rate, first=cap)
            at_rate.served_by = sorted((raw.served_by - before).values(), reverse=True)
            many = await drive(f"{name} c={concurrency}",
                               lambda k, fn=fn: fn(k + 2 * cap), per * 0.2, concurrency, cap)
            phases.append((one, at_rate, many))

        # freshness: an item must be recommendable right after its add call returns
        fresh: list[float] = []
        found = 0
        wr = random.Random(7)
        for k in range(30):
            # a made-up phrase per marker, so no two markers compete for the same query
            text = " ".join("".join(wr.choice("bcdfghklmnprstvz") + wr.choice("aeiou")
                                    for _ in range(3)) for _ in range(5))
            # no shared words with the other markers (a shared title prefix made them compete)
            await c.post("/api/v1/items", json={"id": f"fresh{k}", "fields": {
                "title": text.split()[0].title(), "description": text}})
            t0 = time.perf_counter()
            r = await c.post("/api/v1/recommendations/session",
                             json={"context": {"text": text}, "n": 10})
            fresh.append(time.perf_counter() - t0)
            found += f"fresh{k}" in [x["item"] for x in r.json()["data"]]
        metrics = (await c.get("/metrics")).text
    return phases, {"fresh_found": found, "fresh_n": 30, "fresh_p50_ms": pct(fresh, 50) * 1000,
                    "fresh_max_ms": max(fresh) * 1000,
                    "fresh_within_50ms": sum(t <= 0.050 for t in fresh), "metrics_bytes": len(metrics)}


def library_baseline(n_items: int, n_users: int, samples: int) -> dict[str, Phase]:
    """The same calls, made directly on an in-process Recommender (no HTTP, no store),
    under the service's BLAS setting (one thread: see Settings.blas_threads)."""
    import pandas as pd
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")

    from dayone.data.catalog import Catalog
    from dayone.profiles import UserContext
    from dayone.recommender.config import RecommenderConfig
    from dayone.recommender.recommender import Recommender

    enc = BulkSyntheticEncoder(real_encoder())
    t0 = time.perf_counter()
    rec = Recommender.build(Catalog.from_records(synthetic_catalog(n_items)),
                            config=RecommenderConfig(index="hnsw"), encoder=enc)
    print(f"library build: {time.perf_counter() - t0:.1f} s", flush=True)
    rng = random.Random(1)
    for i in range(n_users):
        rec.add_user(f"u{i}", {"age": 18 + i % 50}, f"I like {rng.choice(TOPIC)}")
    rec.add_interactions(pd.DataFrame([{"user": f"u{i}", "item": f"s{rng.randrange(n_items)}",
                                        "liked": True} for i in range(n_users) for _ in range(5)]))
    out = {k: Phase(k) for k in ("text", "user", "item", "event")}

    def timed(phase: Phase, fn: Callable[[], Any]) -> None:
        t = time.perf_counter()
        fn()
        phase.lat.append(time.perf_counter() - t)

    for k in range(samples):
        q, u = query_text(10**6 + k, 0), f"u{k % n_users}"
        item = {"id": f"lib{k}", "title": f"Fresh {k}", "description": "a new thing",
                "category": "home"}
        event = {"user": u, "item": f"s{(k * 7919) % n_items}", "liked": True}
        timed(out["text"], lambda q=q: rec.recommend(UserContext(text=q), n=10))
        timed(out["user"], lambda u=u: rec.recommend(UserContext(user_id=u), n=10))
        timed(out["item"], lambda item=item: rec.add_items([item]))
        timed(out["event"], lambda event=event: rec.add_interactions([event]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="load test of the dayone service")
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--duration", type=float, default=60.0, help="total seconds of load")
    ap.add_argument("--concurrency", type=int, default=16, help="in-flight requests of the capacity run")
    ap.add_argument("--workers", type=int, default=1, help="API processes (dayone serve --workers)")
    ap.add_argument("--rate", type=float, default=200.0, help="requests/s of the open-loop run")
    ap.add_argument("--cap", type=int, default=50_000, help="most requests per phase")
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--baseline-samples", type=int, default=200)
    ap.add_argument("--query-pool", type=int, default=0,
                    help="0: every text request is a new sentence (encoder runs each time); "
                    "N: sentences repeat every N requests (the query cache answers repeats)")
    args = ap.parse_args(argv)

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="dayone-load-") as tmp:
        port = free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", SERVER.format(here=str(HERE)),
                                 str(args.items), str(port), tmp, str(args.workers)])
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            ok_in_a_row = 0  # every worker process must be ready, not just the first to answer
            while ok_in_a_row < 10 * args.workers:
                if proc.poll() is not None:
                    raise SystemExit(f"server exited with {proc.returncode}")
                try:
                    ready = httpx.get(base + "/health/ready", timeout=2).status_code == 200
                except httpx.HTTPError:
                    ready = False
                ok_in_a_row = ok_in_a_row + 1 if ready else 0
                if time.perf_counter() - t0 > 1800:
                    raise SystemExit("server not ready after 30 min")
                if not ready:
                    time.sleep(0.5)
            print(f"server ready with {args.items} items in {time.perf_counter() - t0:.1f} s "
                  "(store seeding + model build)", flush=True)
            phases, fresh = asyncio.run(run_load(base, args.items, args.duration,
                                                 args.concurrency, args.cap, args.users,
                                                 args.query_pool, args.rate))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    # --baseline-samples 0 skips the library run (its build alone takes a minute at 100k)
    lib = (library_baseline(args.items, args.users, args.baseline_samples) if args.baseline_samples
           else {k: Phase(k) for k in ("text", "user", "item", "event")})
    print(f"\nservice: {args.items} items, {args.workers} API process(es), {args.duration / 4:.0f} s per kind of request (20% one at a "
          f"time, 60% open loop at {args.rate:g} req/s, 20% with {args.concurrency} in flight); "
          f"library: {args.baseline_samples} sequential calls")
    for (one, at_rate, many), key in zip(phases, ("text", "user", "item", "event"), strict=True):
        print(one.line(lib[key]))
        print(at_rate.line())
        print(many.line())
    print(f"new item recommendable right after the add returned: {fresh['fresh_found']}/"
          f"{fresh['fresh_n']}; that first recommend took p50 {fresh['fresh_p50_ms']:.1f} ms, "
          f"max {fresh['fresh_max_ms']:.1f} ms, within 50 ms {fresh['fresh_within_50ms']}/{fresh['fresh_n']}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
