// dayone demo page: plain JS, no build step. Talks to the same /api/v1 as any client.
"use strict";
const $ = (id) => document.getElementById(id);
const picked = new Map(); // item id -> { title, kind: "like" | "dislike" }
const savedLikes = new Map(); // user id -> item ids already sent as likes from this page
let gridOffset = 0;
let pending = null;

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

function reason(res, data) {
  // the API's own words: a string, or pydantic's list (first problem, with where it is)
  const d = data && data.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d) && d.length) {
    const where = (d[0].loc || []).filter((x) => x !== "body").join(".");
    return where ? `${where}: ${d[0].msg}` : d[0].msg;
  }
  return res.status >= 500 ? "server error" : (res.statusText || "request refused");
}

async function api(method, path, body) {
  let res;
  try {
    res = await fetch("/api/v1" + path, {
      method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw Object.assign(new Error("cannot reach the server"), { status: 0 });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    throw Object.assign(new Error(`${res.status}: ${reason(res, data)}`),
                        { status: res.status, ids: data && data.ids });
  }
  return data;
}

function li(title, source, why, extra) {
  const el = document.createElement("li");
  const t = document.createElement("span");
  t.className = "title"; t.textContent = title;
  el.appendChild(t);
  if (source) {
    const s = document.createElement("span");
    s.className = "source"; s.textContent = source; el.appendChild(s);
  }
  if (extra) { const x = document.createElement("span"); x.className = "muted"; x.textContent = " " + extra; el.appendChild(x); }
  const w = document.createElement("span");
  w.className = "why"; w.textContent = why; el.appendChild(w);
  return el;
}

function renderPicks() {
  // what the visitor has picked, wherever it is in the grid, each removable
  $("picks").replaceChildren(...[...picked].map(([id, { title, kind }]) => {
    const b = document.createElement("button");
    b.type = "button"; b.className = kind === "dislike" ? "chip not" : "chip"; b.dataset.item = id;
    b.textContent = `${kind === "dislike" ? "not: " : ""}${title} ×`;
    b.setAttribute("aria-label", `remove ${title} from your ${kind === "dislike" ? "not-for-me list" : "picks"}`);
    b.addEventListener("click", () => { unpick(id); });
    return b;
  }));
  $("picks-h").hidden = picked.size === 0;
}

function feedback(id, title) {
  // a listed item can be judged where it stands: the next list adapts to it at once
  const box = document.createElement("span");
  box.className = "feedback";
  for (const [kind, label, text] of [["like", "more like this", "👍"], ["dislike", "not for me", "👎"]]) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "judge"; b.dataset.kind = kind; b.textContent = text;
    b.title = label; b.setAttribute("aria-label", `${label}: ${title}`);
    b.addEventListener("click", () => {
      picked.set(id, { title, kind });
      const card = $("grid").querySelector(`button.card[data-item="${CSS.escape(id)}"]`);
      if (card) card.setAttribute("aria-pressed", kind === "like" ? "true" : "false");
      renderPicks();
      refresh();
    });
    box.appendChild(b);
  }
  return box;
}

function unpick(id) {
  picked.delete(id);
  const card = $("grid").querySelector(`button.card[data-item="${CSS.escape(id)}"]`);
  if (card) card.setAttribute("aria-pressed", "false");
  renderPicks();
  refresh();
}

let refreshes = 0; // answers to an older refresh are dropped: the visitor typed on since
let dropped = ""; // picks the catalogue lost, to say beside the next list

async function refresh() {
  const started = performance.now();
  const turn = ++refreshes;
  const context = {
    text: $("likes").value.trim() || null,
    items: [...picked].map(([id, p]) => (p.kind === "like" ? id : { item_id: id, kind: p.kind })),
  };
  const body = { n: 10, context };
  const cat = $("category").value;
  if (cat) body.category = cat;
  try {
    const out = await api("POST", "/recommendations/session", body);
    if (turn !== refreshes) return;
    const ol = $("recs");
    ol.classList.remove("stale");
    ol.replaceChildren(...out.data.map((r) => {
      const el = li(r.title || r.item, r.source, r.explanation);
      el.dataset.item = r.item;
      el.querySelector(".title").after(feedback(r.item, r.title || r.item));
      return el;
    }));
    $("strategy").textContent = out.data.length ? out.strategy : "—";
    $("latency").textContent = `(${Math.round(performance.now() - started)} ms)`;
    $("error").textContent = dropped; // said once, with the list that follows it
    dropped = "";
    $("empty").textContent = out.data.length ? "" : "Nothing matches yet: try other words, another category, or fewer picks.";
    if (out.data.length) await showChances(turn, context, out.data.map((r) => r.item));
  } catch (e) {
    if (turn !== refreshes) return; // a newer request speaks for the page now
    if (e.status === 404 && Array.isArray(e.ids) && e.ids.some((i) => picked.has(i))) {
      // picks the catalogue no longer holds (removed meanwhile): drop them and ask again
      for (const id of e.ids) picked.delete(id);
      renderPicks();
      dropped = `${e.ids.length} pick(s) no longer in the catalogue were dropped`;
      return refresh();
    }
    $("recs").classList.add("stale"); // the list on screen answers an earlier question
    $("strategy").textContent = "—";
    $("error").textContent = e.message;
  }
}

async function showChances(turn, context, items) {
  // the list says what to look at first; the yes/no answer says how likely each one is to
  // please, with its reason on hover or focus (POST /likes, the same context)
  let out;
  try {
    out = await api("POST", "/recommendations/likes", { context, item_ids: items });
  } catch (e) {
    if (turn !== refreshes) return;
    throw e;
  }
  if (turn !== refreshes) return;
  // with no judged item the answer rests on the words and the crowd alone: say it is a guess
  const judged = context.items.length;
  const hedge = judged === 0 ? " (first guess)" : judged < 3 ? " (early guess)" : "";
  const note = judged === 0 ? "A first guess: it firms up as you pick items you like or not."
    : "An early guess from few picks.";
  for (const p of out.data) {
    const el = $("recs").querySelector(`li[data-item="${CSS.escape(p.item)}"]`);
    if (!el) continue;
    const badge = document.createElement("span");
    badge.className = "chance"; badge.dataset.testid = "chance";
    badge.textContent = `${Math.round(100 * p.probability)}% likely to like${hedge}`;
    badge.title = hedge ? `${note} ${p.explanation}` : p.explanation;
    badge.tabIndex = 0; // the reason is reachable by keyboard too, and read out
    badge.setAttribute("aria-label", `${badge.textContent}: ${p.explanation}`);
    el.querySelector(".title").after(badge);
  }
}

function refreshSoon() {
  clearTimeout(pending);
  pending = setTimeout(refresh, 250);
}

let grids = 0; // a late page of the grid must not replace a newer one

async function loadGrid() {
  const turn = ++grids;
  try {
    const page = await api("GET", `/items?offset=${gridOffset}&limit=24`);
    if (turn !== grids) return;
    if (page.data.length === 0 && gridOffset > 0) { gridOffset = 0; return loadGrid(); }
    $("grid-empty").textContent = page.data.length ? "" : "The catalogue is empty: add an item below.";
    $("grid").replaceChildren(...page.data.map((it) => {
      const b = document.createElement("button");
      b.type = "button"; b.className = "card"; b.dataset.item = it.id;
      const title = it.fields.title || it.fields.name || it.id;
      b.setAttribute("aria-pressed", picked.has(it.id) ? "true" : "false");
      b.textContent = title;
      const g = it.fields.genres || it.fields.category || "";
      if (g) { const s = document.createElement("small"); s.textContent = Array.isArray(g) ? g.join(", ") : String(g).replaceAll("|", ", "); b.appendChild(s); }
      b.addEventListener("click", () => {
        if (picked.has(it.id)) picked.delete(it.id); else picked.set(it.id, { title, kind: "like" });
        b.setAttribute("aria-pressed", picked.has(it.id) ? "true" : "false");
        renderPicks();
        refresh();
      });
      return b;
    }));
  } catch (e) { if (turn === grids) $("error").textContent = e.message; }
}

async function loadCategories() {
  try {
    const out = await api("GET", "/categories");
    const keep = $("category").value;
    const any = document.createElement("option");
    any.value = ""; any.textContent = "any";
    $("category").replaceChildren(any, ...out.data.map((c) => {
      const o = document.createElement("option");
      o.value = c.name; o.textContent = `${c.name} (${c.count})`;
      return o;
    }));
    $("category").value = out.data.some((c) => c.name === keep) ? keep : "";
  } catch (e) { /* the filter is optional */ }
}

async function saveUser() {
  const id = $("user-id").value.trim();
  const status = $("save-status");
  status.classList.remove("error");
  if (!id) { status.textContent = "type a name first"; return; }
  try {
    let existed = false;
    const profile = { text: $("likes").value.trim() || null, attributes: {} };
    if (savedLikes.has(id)) {
      await api("PUT", `/users/${encodeURIComponent(id)}`, profile); // saved from this page: the visitor's own
    } else {
      try {
        await api("POST", "/users", { id, ...profile });
      } catch (e) {
        if (e.status !== 409) throw e;
        existed = true; // someone else's profile: add the likes, never overwrite it from here
      }
    }
    const sent = savedLikes.get(id) || new Set();
    savedLikes.set(id, sent);
    const fresh = [...picked.keys()].filter((item) => !sent.has(item));
    if (fresh.length) {
      await api("POST", "/events/batch", { events: fresh.map((item) => ({ user_id: id, item_id: item, kind: picked.get(item).kind })) });
      for (const item of fresh) sent.add(item);
    }
    const before = picked.size - fresh.length;
    const nots = fresh.filter((item) => picked.get(item).kind === "dislike").length;
    status.textContent = `saved ${id} with ${fresh.length - nots} likes` + (nots ? ` and ${nots} not-for-me` : "") +
      (before ? ` (${before} saved before)` : "") + (existed ? "; the existing profile was kept" : "");
  } catch (e) { status.textContent = e.message; status.classList.add("error"); }
}

async function addItem(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const status = $("add-status");
  status.classList.remove("error");
  const id = String(f.get("id")).trim();
  const fields = { title: String(f.get("title")).trim() };
  if (!id || !fields.title) { status.textContent = "give the item an id and a title"; status.classList.add("error"); return; }
  if (f.get("description")) fields.description = String(f.get("description")).trim();
  // the field the catalogue's description template reads its categories from
  if (f.get("category")) fields[wording.field] = String(f.get("category")).trim();
  try {
    const t0 = performance.now();
    try {
      await api("POST", "/items", { id, fields }); // a new item: never replaces one
    } catch (e) {
      if (e.status === 409) e.message = `an item with id ${id} already exists: choose another id`;
      throw e;
    }
    const ms = Math.round(performance.now() - t0);
    const [reach, similar] = await Promise.all([
      api("GET", `/items/${encodeURIComponent(id)}/users?n=10`),
      api("GET", `/items/${encodeURIComponent(id)}/similar?n=5`),
    ]);
    status.textContent = `added ${id} in ${ms} ms; ` +
      (reach.data.length ? "the users it suits best are below" : "no users to reach yet");
    $("reach").replaceChildren(...reach.data.map((u) => li(u.user, u.source, u.explanation, `score ${u.score.toFixed(2)}`)));
    $("similar").replaceChildren(...similar.data.map((r) => li(r.title || r.item, r.source, r.explanation)));
    loadGrid(); loadCategories(); refresh();
  } catch (e) { status.textContent = e.message; status.classList.add("error"); }
}

// examples and the category field per description domain, so a shop's page does not talk films
const WORDING = {
  movie: { likes: "e.g. funny animated films for a family evening", category: "e.g. Comedy|Animation", field: "genres" },
  music: { likes: "e.g. mellow jazz for a rainy evening", category: "e.g. Jazz|Soul", field: "genres" },
  product: { likes: "e.g. a quiet cordless drill for weekend projects", category: "e.g. Power Tools", field: "category" },
  news: { likes: "e.g. local elections and climate policy", category: "e.g. Politics", field: "category" },
};
let wording = { field: "category" };

function useDomain(domain) {
  wording = WORDING[domain] || { field: "category" };
  if (wording.likes) $("likes").placeholder = wording.likes;
  if (wording.category) document.querySelector('[data-testid="new-category"]').placeholder = wording.category;
}

async function loadModel() {
  // what the hand-over learned from the logs (per amount of evidence), as the API reports it
  try {
    const m = await api("GET", "/models/current");
    useDomain(m.domain);
    $("model-version").textContent = `model version ${m.version}: ${m.n_items} items, ${m.n_users} users, ${m.n_events} events`;
    $("handover").textContent = m.handover.join("\n");
  } catch (e) { $("handover").textContent = e.message; }
}

function useKey() {
  localStorage.setItem("dayone-key", $("api-key").value);
  loadCategories(); loadGrid(); refresh(); loadModel();
}

$("likes").addEventListener("input", refreshSoon);
$("category").addEventListener("change", refresh);
$("shuffle").addEventListener("click", () => { gridOffset += 24; loadGrid(); });
$("save-user").addEventListener("click", saveUser);
$("new-item").addEventListener("submit", addItem);
$("api-key").value = localStorage.getItem("dayone-key") || "";
$("api-key").addEventListener("change", useKey);
$("api-key").addEventListener("keydown", (e) => { if (e.key === "Enter") useKey(); });
$("model").addEventListener("toggle", () => { if ($("model").open) loadModel(); });
renderPicks(); loadCategories(); loadGrid(); refresh(); loadModel();
