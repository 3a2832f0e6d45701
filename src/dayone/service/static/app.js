// dayone demo page: plain JS, no build step. Talks to the same /api/v1 as any client.
"use strict";
const $ = (id) => document.getElementById(id);
const picked = new Map(); // item id -> title
let gridOffset = 0;
let pending = null;

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function api(method, path, body) {
  const res = await fetch("/api/v1" + path, {
    method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const d = data && data.detail;
    const msg = typeof d === "string" ? d : JSON.stringify(d);
    throw new Error(`${res.status}: ${msg}`);
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

let refreshes = 0; // answers to an older refresh are dropped: the visitor typed on since

async function refresh() {
  const started = performance.now();
  const turn = ++refreshes;
  const context = { text: $("likes").value.trim() || null, items: [...picked.keys()] };
  const body = { n: 10, context };
  const cat = $("category").value;
  if (cat) body.category = cat;
  try {
    const out = await api("POST", "/recommendations/session", body);
    if (turn !== refreshes) return;
    const ol = $("recs");
    ol.replaceChildren(...out.data.map((r) => {
      const el = li(r.title || r.item, r.source, r.explanation);
      el.dataset.item = r.item;
      return el;
    }));
    $("strategy").textContent = out.strategy;
    $("latency").textContent = `(${Math.round(performance.now() - started)} ms)`;
    $("error").textContent = "";
    if (out.data.length) await showChances(turn, context, out.data.map((r) => r.item));
  } catch (e) {
    $("error").textContent = e.message;
  }
}

async function showChances(turn, context, items) {
  // the list says what to look at first; the yes/no answer says how likely each one is to
  // please, with its reason on hover (POST /likes, the same context)
  const out = await api("POST", "/recommendations/likes", { context, item_ids: items });
  if (turn !== refreshes) return;
  for (const p of out.data) {
    const el = $("recs").querySelector(`li[data-item="${CSS.escape(p.item)}"]`);
    if (!el) continue;
    const badge = document.createElement("span");
    badge.className = "chance"; badge.dataset.testid = "chance";
    badge.textContent = `${Math.round(100 * p.probability)}% likely to like`;
    badge.title = p.explanation;
    el.querySelector(".title").after(badge);
  }
}

function refreshSoon() {
  clearTimeout(pending);
  pending = setTimeout(refresh, 250);
}

async function loadGrid() {
  try {
    const page = await api("GET", `/items?offset=${gridOffset}&limit=24`);
    if (page.data.length === 0 && gridOffset > 0) { gridOffset = 0; return loadGrid(); }
    $("grid").replaceChildren(...page.data.map((it) => {
      const b = document.createElement("button");
      b.type = "button"; b.className = "card"; b.dataset.item = it.id;
      const title = it.fields.title || it.fields.name || it.id;
      b.setAttribute("aria-pressed", picked.has(it.id) ? "true" : "false");
      b.textContent = title;
      const g = it.fields.genres || it.fields.category || "";
      if (g) { const s = document.createElement("small"); s.textContent = Array.isArray(g) ? g.join(", ") : String(g).replaceAll("|", ", "); b.appendChild(s); }
      b.addEventListener("click", () => {
        if (picked.has(it.id)) picked.delete(it.id); else picked.set(it.id, title);
        b.setAttribute("aria-pressed", picked.has(it.id) ? "true" : "false");
        refresh();
      });
      return b;
    }));
  } catch (e) { $("error").textContent = e.message; }
}

async function loadCategories() {
  try {
    const out = await api("GET", "/categories");
    for (const c of out.data) {
      const o = document.createElement("option");
      o.value = c.name; o.textContent = `${c.name} (${c.count})`;
      $("category").appendChild(o);
    }
  } catch (e) { /* the filter is optional */ }
}

async function saveUser() {
  const id = $("user-id").value.trim();
  if (!id) { $("save-status").textContent = "type a name first"; return; }
  try {
    await api("PUT", `/users/${encodeURIComponent(id)}`, { text: $("likes").value.trim() || null, attributes: {} });
    if (picked.size) {
      await api("POST", "/events/batch", { events: [...picked.keys()].map((item) => ({ user_id: id, item_id: item, kind: "like" })) });
    }
    $("save-status").textContent = `saved ${id} with ${picked.size} likes`;
  } catch (e) { $("save-status").textContent = e.message; }
}

async function addItem(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const id = String(f.get("id")).trim();
  const fields = { title: String(f.get("title")).trim() };
  if (f.get("description")) fields.description = String(f.get("description")).trim();
  if (f.get("genres")) fields.genres = String(f.get("genres")).trim();
  try {
    const t0 = performance.now();
    await api("PUT", `/items/${encodeURIComponent(id)}`, { fields });
    const [reach, similar] = await Promise.all([
      api("GET", `/items/${encodeURIComponent(id)}/users?n=10`),
      api("GET", `/items/${encodeURIComponent(id)}/similar?n=5`),
    ]);
    $("add-status").textContent = `added ${id} in ${Math.round(performance.now() - t0)} ms; it reaches ${reach.count} user(s)`;
    $("reach").replaceChildren(...reach.data.map((u) => li(u.user, u.source, u.explanation, `score ${u.score.toFixed(2)}`)));
    $("similar").replaceChildren(...similar.data.map((r) => li(r.title || r.item, r.source, r.explanation)));
    refresh();
  } catch (e) { $("add-status").textContent = e.message; }
}

async function loadModel() {
  // what the hand-over learned from the logs (per amount of evidence), as the API reports it
  try {
    const m = await api("GET", "/models/current");
    $("model-version").textContent = `model version ${m.version}: ${m.n_items} items, ${m.n_users} users, ${m.n_events} events`;
    $("handover").textContent = m.handover.join("\n");
  } catch (e) { $("handover").textContent = e.message; }
}

$("likes").addEventListener("input", refreshSoon);
$("category").addEventListener("change", refresh);
$("shuffle").addEventListener("click", () => { gridOffset += 24; loadGrid(); });
$("save-user").addEventListener("click", saveUser);
$("new-item").addEventListener("submit", addItem);
$("api-key").value = localStorage.getItem("dayone-key") || "";
$("api-key").addEventListener("change", () => { localStorage.setItem("dayone-key", $("api-key").value); loadGrid(); refresh(); loadModel(); });
$("model").addEventListener("toggle", () => { if ($("model").open) loadModel(); });
loadCategories(); loadGrid(); refresh(); loadModel();
