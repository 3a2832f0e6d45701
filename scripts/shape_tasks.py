#!/usr/bin/env python3
"""Build small bench tasks in shapes the public tasks and scripts/variant_tasks.py lack.

    python scripts/shape_tasks.py runs/shapes [--data ../shared/data]
    OMP_NUM_THREADS=1 dayone run-bench runs/shapes/TASK --out F --setting zero-shot|trained --seed 0
    python ../shared/bench/score.py runs/shapes/TASK F --bootstrap 1000

Written by a reviewing helper in the twenty-first session (docs/benchmarks.md, "A fresh-eyes
sweep of task shapes"); the data is read in place, never copied.
Sources (read-only): DATA/{ml-latest-small,ml-100k,amazon-scientific-unisrec}.
Tasks:
  news-mind        news-cands with MIND-style item fields (title, abstract, category,
                   subcategory) and no `text`.
  news-cands       Amazon-Scientific as news-like impressions: explicit 20-48 candidates with 1-3
                   clicked, histories of bare items, items with short title + long text, 10% of
                   items "fresh" (no train rows); ts = position; zero-shot + trained; primary auc.
  liked-imp-k5     ml-latest-small, train rows weight=1 only (implicit, with ts), new users whose
                   5-item history is liked true/false only.
  r10-attrs-k3     ml-100k ratings x2 (2..10), users.jsonl with country string, numeric income,
                   list-valued fav_genres, attributes missing for ~20% per key; attributes inline
                   in requests.
  r10-attrs-k3-uf  the same, but requests carry only user.id (attributes only in users.jsonl).
  notitle-k1       ml-latest-small, items without `title`: text-only / genres+tags+nested dict /
                   empty text; new-user k=1 with ratings.
  binary-weight-64 TALLRec shape, histories with `weight` (play-count-like) only; 64 examples.
  usertext-k0      ml-latest-small taggers: empty history, no attributes, user.text only.
  imp-newuser-k3   ml-100k new users (3 first ratings, profile) asked about 30-item impression
                   lists: up to 3 later likes among unseen items drawn by popularity^0.75.
  misc-gz          ml-100k: every file gzipped, explicit candidates containing history items with
                   exclude_history false, ids with '/', ':' and non-ASCII, unknown keys
                   everywhere, n < len(candidates).
  illegal/*        small illegal tasks to judge the error messages (not scored).
"""
from __future__ import annotations

import collections
import csv
import gzip
import json
import shutil
import sys
from pathlib import Path

import numpy as np

D = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MLS = D / "ml-latest-small"
ML100 = D / "ml-100k"
SCI = D / "amazon-scientific-unisrec"


def _lines(path: Path, encoding: str = "utf-8") -> list[str]:
    return path.read_text(encoding=encoding).splitlines(keepends=True)


def write(path: Path, rows, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if gz:
        with gzip.open(str(path) + ".gz", "wt", encoding="utf-8") as fh:
            fh.write(data)
    else:
        path.write_text(data, encoding="utf-8")


def write_task(folder: Path, items, train, requests, truth) -> None:
    for name, rows in (("items", items), ("train", train), ("requests", requests), ("truth", truth)):
        write(folder / f"{name}.jsonl", rows)


def popular_negatives(rng, ids, p, seen, n: int) -> list:
    """n distinct items outside `seen`, drawn with probabilities p (popularity^0.75)."""
    negs: list = []
    while len(negs) < n:
        c = ids[int(rng.choice(len(ids), p=p))]
        if c not in seen and c not in negs:
            negs.append(c)
    return negs


def task_json(folder: Path, kind: str, metrics, settings, primary=None, **extra) -> None:
    meta = {"name": folder.name, "kind": kind, "metrics": metrics, "primary": primary or metrics[0],
            "settings": settings, "anchors": [], "counts": {}, **extra}
    (folder / "task.json").write_text(json.dumps(meta, indent=2))
    (folder / "TASK.md").write_text(f"# {folder.name}\n\nReview task built by {__file__}.\n")


# ----------------------------------------------------------------------------- loaders
def load_mls():
    with open(MLS / "movies.csv", newline="", encoding="utf-8") as fh:
        movies = {m["movieId"]: m for m in csv.DictReader(fh)}
    by_user = collections.defaultdict(list)
    with open(MLS / "ratings.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            by_user[r["userId"]].append((r["movieId"], float(r["rating"]), int(r["timestamp"])))
    for u in by_user:
        by_user[u].sort(key=lambda x: (x[2], int(x[0])))
    tags = collections.defaultdict(list)
    item_tags = collections.defaultdict(list)
    with open(MLS / "tags.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            t = row["tag"].strip().lower()
            if t and t not in tags[row["userId"]]:
                tags[row["userId"]].append(t)
            if t and t not in item_tags[row["movieId"]]:
                item_tags[row["movieId"]].append(t)
    return movies, by_user, tags, item_tags


def mls_catalogue(movies, by_user, min_ratings=3):
    counts = collections.Counter(i for rs in by_user.values() for i, _, _ in rs)
    return sorted((i for i in movies if counts[i] >= min_ratings), key=int)


GENRES100 = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
             "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
             "Romance", "Sci-Fi", "Thriller", "War", "Western"]


def load_ml100():
    items = {}
    for line in _lines(ML100 / "u.item", "latin-1"):
        p = line.rstrip("\n").split("|")
        items[p[0]] = {"title": p[1], "release_date": p[2],
                       "genres": [g for g, f in zip(GENRES100, p[5:], strict=False) if f == "1"]}
    users = {}
    for line in _lines(ML100 / "u.user", "latin-1"):
        uid, age, g, occ, z = line.strip().split("|")
        users[uid] = {"age": int(age), "gender": g, "occupation": occ, "zip": z}
    by_user = collections.defaultdict(list)
    for line in _lines(ML100 / "u.data"):
        u, i, r, t = line.split()
        by_user[u].append((i, float(r), int(t)))
    for u in by_user:
        by_user[u].sort(key=lambda x: (x[2], int(x[0])))
    return items, users, by_user


# ----------------------------------------------------------------------------- tasks
def news_cands(out: Path) -> None:
    folder = out / "news-cands"
    rng = np.random.default_rng(10)
    asin = {}
    for line in _lines(SCI / "Scientific.item2index"):
        a, k = line.rstrip("\n").split("\t")
        asin[k] = a
    text = {}
    for line in _lines(SCI / "Scientific.text")[1:]:
        a, t = line.rstrip("\n").split("\t", 1)
        text[a] = t.strip()
    seqs = {}
    for line in _lines(SCI / "Scientific.test.inter")[1:]:
        u, h, t = line.rstrip("\n").split("\t")
        seqs[u] = [asin[x] for x in h.split()] + [asin[t]]
    ids = sorted(text)
    items = []
    for a in ids:
        t = text[a]
        title = " ".join(t.split(".")[0].split()[:8])
        items.append({"id": a, "title": title, "text": t + " " + t.split(".")[1].strip() + " equipment and supplies."
                      , "category": "scientific"})
    fresh = set(rng.permutation(ids)[: len(ids) // 10].tolist())
    users = sorted(seqs, key=int)
    eligible = [u for u in users if len(seqs[u]) >= 6]
    req_users = set(rng.permutation(eligible)[:400].tolist())
    pop = collections.Counter(i for s in seqs.values() for i in s)
    p = np.array([pop[i] + 1.0 for i in ids]) ** 0.75
    p /= p.sum()
    train, requests, truth = [], [], []
    for u in users:
        s = seqs[u]
        if u in req_users:
            r = int(rng.integers(1, 4))
            rel = list(dict.fromkeys(x for x in s[-r:] if x not in s[:-r]))
            hist = s[:-r]
            if not rel:
                continue
            train += [{"user": "U" + u, "item": x, "ts": k} for k, x in enumerate(hist) if x not in fresh]
            n_neg = int(rng.integers(20, 46))
            seen = set(s)
            negs = popular_negatives(rng, ids, p, seen, n_neg)
            cands = [str(c) for c in rng.permutation(rel + negs)]
            rid = f"imp-{u}"
            requests.append({"id": rid, "user": {"id": "U" + u},
                             "history": [{"item": x} for x in hist[-50:]],
                             "candidates": cands, "n": len(cands)})
            truth.append({"id": rid, "relevant": rel})
        else:
            train += [{"user": "U" + u, "item": x, "ts": k} for k, x in enumerate(s) if x not in fresh]
    write_task(folder, items, train, requests, truth)
    task_json(folder, "ranking", ["auc", "mrr", "ndcg@5", "ndcg@10"], ["zero-shot", "trained"],
              primary="auc")


def liked_implicit(out: Path, movies, by_user, k=5) -> None:
    folder = out / f"liked-imp-k{k}"
    rng = np.random.default_rng(11)
    cat = mls_catalogue(movies, by_user)
    cset = set(cat)
    users = sorted(by_user, key=int)
    held = set(rng.permutation(users)[:120].tolist())
    items = [{"id": i, "title": movies[i]["title"], "genres": movies[i]["genres"].split("|")} for i in cat]
    train, requests, truth = [], [], []
    for u in users:
        rs = [r for r in by_user[u] if r[0] in cset]
        if u not in held:
            train += [{"user": u, "item": i, "weight": 1, "ts": t} for i, _, t in rs]
            continue
        rel = [i for i, r, _ in rs[k:] if r >= 4]
        if not rel:
            continue
        requests.append({"id": f"r{u}", "user": {"id": u}, "n": 50, "candidates": None,
                         "history": [{"item": i, "liked": r >= 3.5} for i, r, _ in rs[:k]]})
        truth.append({"id": f"r{u}", "relevant": rel})
    write_task(folder, items, train, requests, truth)
    task_json(folder, "ranking", ["ndcg@10", "recall@20"], ["cold-user"])


REGION = {"0": "Northeast", "1": "Northeast", "2": "Mid-Atlantic", "3": "Southeast", "4": "Midwest",
          "5": "Midwest", "6": "Central", "7": "South", "8": "Mountain", "9": "Pacific"}
INCOME = {"administrator": 60, "artist": 35, "doctor": 150, "educator": 50, "engineer": 85,
          "entertainment": 45, "executive": 120, "healthcare": 55, "homemaker": 0, "lawyer": 130,
          "librarian": 45, "marketing": 65, "none": 0, "other": 40, "programmer": 90, "retired": 30,
          "salesman": 50, "scientist": 90, "student": 8, "technician": 50, "writer": 40}


def r10_attrs(out: Path, k=3) -> None:
    items100, users100, by_user = load_ml100()
    rng = np.random.default_rng(12)
    attrs = {}
    for u, a in users100.items():
        z = a["zip"]
        liked = collections.Counter(g for i, r, _ in by_user[u] if r >= 4 for g in items100[i]["genres"])
        at = {"age": a["age"], "gender": a["gender"], "occupation": a["occupation"],
              "country": "Canada" if not z[:1].isdigit() else "USA",
              "region": REGION.get(z[:1], "other"),
              "income": round(INCOME[a["occupation"]] * 1000 * float(rng.lognormal(0, 0.3)), -2),
              "fav_genres": [g for g, _ in liked.most_common(2)]}
        for key in ("age", "occupation", "income", "fav_genres", "region"):
            if rng.random() < 0.2:
                del at[key]
        attrs[u] = at
    users = sorted(by_user, key=int)
    held = set(rng.permutation(users)[:150].tolist())
    items = [{"id": i, **v} for i, v in sorted(items100.items(), key=lambda x: int(x[0]))]
    train = [{"user": u, "item": i, "rating": 2 * r, "ts": t}
             for u in users if u not in held for i, r, t in by_user[u]]
    requests, truth = [], []
    for u in sorted(held, key=int):
        rs = by_user[u]
        rel = [i for i, r, _ in rs[k:] if r >= 4]
        if not rel:
            continue
        requests.append({"id": f"nu-{u}", "user": {"id": u, "attributes": attrs[u]}, "n": 100,
                         "candidates": None,
                         "history": [{"item": i, "rating": 2 * r} for i, r, _ in rs[:k]]})
        truth.append({"id": f"nu-{u}", "relevant": rel})
    ulines = [{"id": u, "attributes": attrs[u]} for u in users]
    for name, inline in (("r10-attrs-k3", True), ("r10-attrs-k3-uf", False)):
        folder = out / name
        write(folder / "items.jsonl", items)
        write(folder / "users.jsonl", ulines)
        write(folder / "train.jsonl", train)
        rq = requests if inline else [dict(r, user={"id": r["user"]["id"]}) for r in requests]
        write(folder / "requests.jsonl", rq)
        write(folder / "truth.jsonl", truth)
        task_json(folder, "ranking", ["ndcg@10", "recall@20", "ndcg@20", "mrr", "hit@10"],
                  ["cold-user"], primary="ndcg@10")


def notitle(out: Path, movies, by_user, item_tags, k=1) -> None:
    folder = out / f"notitle-k{k}"
    rng = np.random.default_rng(13)
    cat = mls_catalogue(movies, by_user)
    cset = set(cat)
    items = []
    for i in cat:
        m = movies[i]
        genres = m["genres"].split("|") if m["genres"] != "(no genres listed)" else []
        title = m["title"].rsplit(" (", 1)[0]
        year = m["title"].rsplit("(", 1)[-1].rstrip(") ") if "(" in m["title"] else None
        x = rng.random()
        if x < 0.4:
            items.append({"id": i, "text": f"{m['title']}. A {'/'.join(genres).lower() or 'film'} film."})
        elif x < 0.8:
            items.append({"id": i, "genres": genres, "tags": item_tags.get(i, [])[:8],
                          "details": {"name": title, "year": year, "links": {"imdb": None}}})
        elif x < 0.9:
            items.append({"id": i, "text": "", "genres": genres})
        else:
            items.append({"id": i, "text": ""})
    users = sorted(by_user, key=int)
    held = set(rng.permutation(users)[:120].tolist())
    train, requests, truth = [], [], []
    for u in users:
        rs = [r for r in by_user[u] if r[0] in cset]
        if u not in held:
            train += [{"user": u, "item": i, "rating": r, "ts": t} for i, r, t in rs]
            continue
        rel = [i for i, r, _ in rs[k:] if r >= 4]
        if not rel:
            continue
        requests.append({"id": f"r{u}", "user": {"id": u}, "n": 50, "candidates": None,
                         "history": [{"item": i, "rating": r} for i, r, _ in rs[:k]]})
        truth.append({"id": f"r{u}", "relevant": rel})
    write_task(folder, items, train, requests, truth)
    task_json(folder, "ranking", ["ndcg@10", "recall@20"], ["cold-user"])


def binary_weight(out: Path, movies, by_user, n_train=64) -> None:
    folder = out / f"binary-weight-{n_train}"
    rng = np.random.default_rng(14)
    users = [u for u in sorted(by_user, key=int) if len(by_user[u]) >= 20]
    held = set(rng.permutation(users)[:40].tolist())

    def plays(r: float) -> int:  # play-count-like strength, correlated with the rating
        return max(1, int(round(r * 4 * float(rng.lognormal(0, 0.5)))))

    def examples(u, limit):
        rs = by_user[u]
        rows = []
        for t in range(10, min(len(rs), 10 + limit)):
            rows.append({"user": {"id": u}, "n": 1, "target": rs[t][0], "candidates": [rs[t][0]],
                         "history": [{"item": i, "weight": plays(r)} for i, r, _ in rs[t - 10:t]],
                         "label": int(rs[t][1] > 3)})
        return rows

    pool = [row for u in users if u not in held for row in examples(u, 5)]
    train = [pool[i] for i in rng.permutation(len(pool))[:n_train]]
    requests, truth = [], []
    for u in sorted(held, key=int):
        for j, row in enumerate(examples(u, 25)):
            rid = f"b{u}-{j}"
            label = row.pop("label")
            requests.append(dict(row, id=rid))
            truth.append({"id": rid, "label": label, "user": u})
    used = {r["target"] for r in requests + train} | {h["item"] for r in requests + train for h in r["history"]}
    items = [{"id": i, "title": movies[i]["title"], "genres": movies[i]["genres"].split("|")}
             for i in sorted(used, key=int)]
    write(folder / "items.jsonl", items)
    write(folder / "train.jsonl", [dict(r, id=f"t{i}") for i, r in enumerate(train)])
    write(folder / "requests.jsonl", requests)
    write(folder / "truth.jsonl", truth)
    task_json(folder, "binary", ["auc", "gauc"], ["few-shot"])


def usertext(out: Path, movies, by_user, tags) -> None:
    folder = out / "usertext-k0"
    cat = mls_catalogue(movies, by_user)
    cset = set(cat)
    held = {u for u, t in tags.items() if len(t) >= 3 and u in by_user}
    items = [{"id": i, "title": movies[i]["title"], "genres": movies[i]["genres"].split("|")} for i in cat]
    train, requests, truth = [], [], []
    for u in sorted(by_user, key=int):
        rs = [r for r in by_user[u] if r[0] in cset]
        if u not in held:
            train += [{"user": u, "item": i, "rating": r, "ts": t} for i, r, t in rs]
            continue
        rel = [i for i, r, _ in rs if r >= 4]
        if not rel:
            continue
        requests.append({"id": f"t{u}", "user": {"id": u, "text": "I like: " + ", ".join(tags[u][:10])},
                         "history": [], "candidates": None, "n": 50})
        truth.append({"id": f"t{u}", "relevant": rel})
    write_task(folder, items, train, requests, truth)
    task_json(folder, "ranking", ["ndcg@10", "recall@20"], ["cold-user"])


def misc_gz(out: Path) -> None:
    folder = out / "misc-gz"
    items100, users100, by_user = load_ml100()
    rng = np.random.default_rng(15)

    def iid(i: str) -> str:
        return f"film/{i}:é" if int(i) % 3 == 0 else f"film/{i}"

    ids = sorted(items100, key=int)
    items = [{"id": iid(i), **items100[i], "extra": {"nested": [1, 2]}, "x_unknown": None} for i in ids]
    users = sorted(by_user, key=int)
    held = set(rng.permutation(users)[:150].tolist())
    train = [{"user": f"user:{u}", "item": iid(i), "rating": r, "ts": t, "source": "web"}
             for u in users if u not in held for i, r, t in by_user[u]]
    requests, truth = [], []
    for u in sorted(held, key=int):
        rs = by_user[u]
        hist = rs[:10]
        rel = [i for i, r, _ in rs[10:] if r >= 4][:3]
        if not rel:
            continue
        seen = {i for i, _, _ in rs}
        negs = [i for i in rng.permutation(ids) if i not in seen][:25]
        cands = [iid(i) for i in rng.permutation([i for i, _, _ in hist[:6]] + rel + negs)]
        requests.append({"id": f"req:{u}", "user": {"id": f"user:{u}", "attributes": {
            k: v for k, v in users100[u].items()}, "locale": "en-US"},
            "history": [{"item": iid(i), "rating": r, "device": "tv"} for i, r, _ in hist],
            "candidates": cands, "exclude_history": False, "n": 10, "context": {"hour": 20}})
        truth.append({"id": f"req:{u}", "relevant": [iid(i) for i in rel]})
    write(folder / "items.jsonl", items, gz=True)
    write(folder / "users.jsonl", [{"id": f"user:{u}", "attributes": users100[u]} for u in users], gz=True)
    write(folder / "train.jsonl", train, gz=True)
    write(folder / "requests.jsonl", requests, gz=True)
    write(folder / "truth.jsonl", truth, gz=True)
    task_json(folder, "ranking", ["ndcg@10", "mrr", "auc"], ["cold-user"], primary="ndcg@10",
              unknown_meta={"a": 1})


def illegal(out: Path) -> None:
    """Tiny illegal tasks (string rating, int id, string liked, ISO ts, string weight in train)."""
    base = out / "illegal"
    items = [{"id": str(i), "title": f"Item {i}"} for i in range(20)]
    good_req = {"id": "r1", "user": {"id": "u1"}, "history": [{"item": "1", "rating": 4}],
                "candidates": None, "n": 5}
    train = [{"user": f"u{u}", "item": str(i), "rating": 3} for u in range(2, 8) for i in range(10)]
    cases = {
        "str-rating": ([dict(good_req, history=[{"item": "1", "rating": "4"}])], train),
        "int-item": ([dict(good_req, history=[{"item": 1, "rating": 4}])], train),
        "str-liked": ([dict(good_req, history=[{"item": "1", "liked": "true"}])], train),
        "iso-ts": ([good_req], train[:-1] + [{"user": "u9", "item": "2", "rating": 4, "ts": "2020-01-01T00:00:00"}]),
        "str-weight-train": ([good_req], train[:-1] + [{"user": "u9", "item": "2", "weight": "12"}]),
        "int-user-train": ([good_req], train[:-1] + [{"user": 9, "item": "2", "rating": 4}]),
        "int-candidate": ([dict(good_req, candidates=["1", 2])], train),
        "no-n": ([{k: v for k, v in good_req.items() if k != "n"}], train),  # legal? n optional?
        "no-user": ([{k: v for k, v in good_req.items() if k != "user"}], train),
    }
    for name, (reqs, tr) in cases.items():
        f = base / name
        write(f / "items.jsonl", items)
        write(f / "train.jsonl", tr)
        write(f / "requests.jsonl", reqs)
        write(f / "truth.jsonl", [{"id": "r1", "relevant": ["3"]}])
        task_json(f, "ranking", ["ndcg@10"], ["cold-user"])


TASKS = {"imp-newuser-k3", "news-cands", "news-mind", "liked-imp-k5", "r10-attrs-k3", "r10-attrs-k3-uf", "notitle-k1",
         "binary-weight-64", "usertext-k0", "misc-gz", "illegal"}


def news_mind(out: Path) -> None:
    """news-cands with MIND-style item fields (title, abstract, category, subcategory)."""
    src, dst = out / "news-cands", out / "news-mind"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    rows = []
    for line in _lines(src / "items.jsonl"):
        it = json.loads(line)
        parts = [p.strip() for p in it["text"].split(". ")]
        cat = parts[1] if len(parts) > 1 else ""
        rows.append({"id": it["id"], "title": it["title"], "abstract": it["text"],
                     "category": " ".join(cat.split()[:3]), "subcategory": " ".join(cat.split()[3:])})
    write(dst / "items.jsonl", rows)
    meta = json.loads((dst / "task.json").read_text())
    meta["name"] = "news-mind"
    (dst / "task.json").write_text(json.dumps(meta, indent=2))


def imp_newuser(out: Path, k: int = 3) -> None:
    """ML-100K new users with k first ratings and a profile, asked about impression lists:
    up to 3 later likes among 27 unseen items drawn by popularity^0.75 (twenty-second
    session: the shape a news or shop page's new visitor has)."""
    folder = out / f"imp-newuser-k{k}"
    items100, users100, by_user = load_ml100()
    rng = np.random.default_rng(16)
    ids = sorted(items100, key=int)
    users = sorted(by_user, key=int)
    held = set(rng.permutation(users)[:200].tolist())
    pop = collections.Counter(i for u in users if u not in held for i, _, _ in by_user[u])
    p = np.array([pop[i] + 1.0 for i in ids]) ** 0.75
    p /= p.sum()
    train = [{"user": u, "item": i, "rating": r, "ts": t}
             for u in users if u not in held for i, r, t in by_user[u]]
    requests, truth = [], []
    for u in sorted(held, key=int):
        rs = by_user[u]
        rel = list(dict.fromkeys(i for i, r, _ in rs[k:] if r >= 4))
        if not rel:
            continue
        rel = [str(x) for x in rng.permutation(rel)[:3]]
        seen = {i for i, _, _ in rs}
        negs = popular_negatives(rng, ids, p, seen, 27)
        requests.append({"id": f"imp-{u}", "user": {"id": u, "attributes": users100[u]},
                         "history": [{"item": i, "rating": r} for i, r, _ in rs[:k]],
                         "candidates": [str(c) for c in rng.permutation(rel + negs)], "n": 30})
        truth.append({"id": f"imp-{u}", "relevant": rel})
    write(folder / "users.jsonl", [{"id": u, "attributes": users100[u]} for u in users])
    write_task(folder, [{"id": i, **items100[i]} for i in ids], train, requests, truth)
    task_json(folder, "ranking", ["auc", "mrr", "ndcg@10"], ["zero-shot", "trained"], primary="auc")


def main() -> int:
    global D, MLS, ML100, SCI
    args = [a for a in sys.argv[1:]]
    if "--data" in args:
        k = args.index("--data")
        D = Path(args[k + 1])
        del args[k : k + 2]
        MLS, ML100, SCI = D / "ml-latest-small", D / "ml-100k", D / "amazon-scientific-unisrec"
    for folder in (MLS, ML100, SCI):
        if not folder.is_dir():
            print(f"error: {folder} not found (give --data, the folder holding the public datasets)",
                  file=sys.stderr)
            return 2
    out = Path(args[0] if args else "runs/shapes")
    if out.exists() and any(f.name not in TASKS for f in out.iterdir()):
        print(f"error: {out} holds other files than this script's tasks; give an empty or new folder",
              file=sys.stderr)
        return 2
    shutil.rmtree(out, ignore_errors=True)
    movies, by_user, tags, item_tags = load_mls()
    news_cands(out)
    news_mind(out)
    liked_implicit(out, movies, by_user)
    r10_attrs(out)
    notitle(out, movies, by_user, item_tags)
    binary_weight(out, movies, by_user)
    usertext(out, movies, by_user, tags)
    misc_gz(out)
    imp_newuser(out)
    illegal(out)
    for f in sorted(out.iterdir()):
        if (f / "task.json").exists():
            gz = f / "requests.jsonl.gz"
            rq = len(gzip.decompress(gz.read_bytes()).splitlines() if gz.exists()
                     else _lines(f / "requests.jsonl"))
            print(f.name, "requests", rq)
    return 0


if __name__ == "__main__":
    sys.exit(main())
