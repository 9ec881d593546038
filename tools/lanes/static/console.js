// The tablet console: every lane's tile, refreshed from the server's own MQTT subscription
// (short polling of /api/lanes), and the selected lane's controls. Each press is one POST
// to /api/lanes/NAME/send; the server sends it through the broker and answers with the
// lane's acknowledgement (applied at tick N, refused and why). Text from lanes only ever
// goes into textContent, never into HTML.

const POLL_MS = 700;
const $ = (id) => document.getElementById(id);
const tiles = new Map(); // lane -> {el, img, thumb, ...}
let lanes = new Map();   // lane -> the server's tile JSON
let selected = null;
let offerShown = "";
let endArmedAt = 0;

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("aria-") || k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function fmtTime(t) {
  return typeof t === "number" ? `${t.toFixed(1)} s` : "";
}

function makeTile(name) {
  const img = el("img", { alt: "", hidden: true });
  const nothumb = el("div", { class: "nothumb", "aria-hidden": "true" });
  const state = el("span", { class: "state" });
  const pack = el("div", { class: "pack" });
  const seg = el("div", { class: "seg" });
  const counts = el("div", { class: "counts" });
  const button = el(
    "button",
    { type: "button", class: "tile", id: `lane-${name}`, "aria-pressed": "false", "data-lane": name },
    img, nothumb,
    el("div", { class: "body" }, el("span", { class: "name" }, `Lane ${name}`), state, pack, seg, counts),
  );
  button.addEventListener("click", () => select(name));
  const item = el("div", { role: "listitem" }, button);
  return { item, button, img, nothumb, state, pack, seg, counts, thumb: 0 };
}

function updateTile(t, lane) {
  t.state.textContent = lane.stale ? `${lane.state}, stale` : lane.state;
  t.state.className = `state ${lane.state}`;
  t.pack.textContent = lane.pack ?? "";
  t.seg.textContent = lane.segment ? `${lane.segment}  ${fmtTime(lane.t_s)}` : "no status yet";
  t.counts.textContent =
    `shots ${lane.shots ?? 0} · hits ${lane.hits ?? 0} · flags ${lane.flag_count ?? 0}` +
    (lane.low_light ? " · low light" : "");
  t.button.setAttribute(
    "aria-label",
    `Lane ${lane.lane}, ${lane.state}, ${lane.pack ?? ""}, segment ${lane.segment ?? "unknown"}, ` +
      `${lane.shots ?? 0} shots, ${lane.flag_count ?? 0} flags`,
  );
  if (lane.thumb && lane.thumb !== t.thumb) {
    t.thumb = lane.thumb;
    t.img.src = `/api/lanes/${encodeURIComponent(lane.lane)}/thumb?v=${lane.thumb}`;
    t.img.hidden = false;
    t.nothumb.hidden = true;
  }
}

function render(list) {
  lanes = new Map(list.map((l) => [l.lane, l]));
  const box = $("tiles");
  if (!list.length) {
    if (!box.querySelector(".muted")) box.replaceChildren(el("p", { class: "muted" }, "Waiting for lanes…"));
    tiles.clear();
  } else {
    box.querySelector(".muted")?.remove();
    for (const lane of list) {
      if (!tiles.has(lane.lane)) {
        const t = makeTile(lane.lane);
        tiles.set(lane.lane, t);
        box.append(t.item);
      }
      updateTile(tiles.get(lane.lane), lane);
    }
  }
  if (selected === null && list.length) select(list[0].lane);
  else renderPanel();
}

function select(name) {
  selected = name;
  offerShown = "";
  for (const [n, t] of tiles) t.button.setAttribute("aria-pressed", String(n === name));
  $("answer").textContent = "";
  $("answer").className = "";
  renderPanel();
}

function renderPanel() {
  const lane = lanes.get(selected);
  $("panel").hidden = !lane;
  if (!lane) return;
  $("panel-heading").textContent = `Lane ${lane.lane}`;
  const flags = (lane.flags ?? []).map((f) => `flag ${fmtTime(f.t_s)}: ${f.note || "(no note)"}`);
  const shots = (lane.recent_shots ?? []).map(
    (s) => `shot ${fmtTime(s.t_s)} ${s.weapon}: ${s.zone || (s.fired === false ? "did not fire" : "miss")}`,
  );
  $("where").replaceChildren(
    `${lane.pack ?? ""} · ${lane.segment ?? "?"} · ${fmtTime(lane.t_s)} · ${lane.state}`,
    el("ul", { class: "recent" }, ...[...shots, ...flags].map((x) => el("li", {}, x))),
  );
  const offer = lane.offer ?? [];
  const sig = JSON.stringify(offer);
  if (sig !== offerShown) {
    offerShown = sig;
    $("branches").replaceChildren(
      ...(offer.length
        ? offer.map((o) =>
            el(
              "button",
              {
                type: "button",
                class: "branch",
                id: `branch-${o.key}`,
                "data-key": o.key,
                "aria-label": `Branch key ${o.key}: ${o.label || o.to}, to ${o.to}`,
                onclick: () => send({ type: "key", key: String(o.key) }, `key ${o.key}`),
              },
              el("span", { class: "key", "aria-hidden": "true" }, String(o.key)),
              o.label || o.to,
              el("span", { class: "to", "aria-hidden": "true" }, `→ ${o.to}`),
            ),
          )
        : [el("p", { class: "muted" }, "No branches on offer here")]),
    );
  }
  const live = lane.online && !lane.ended;
  for (const b of document.querySelectorAll("#panel button")) b.disabled = !live;
  $("pause").textContent = lane.paused ? "Resume" : "Pause";
  $("lowlight").setAttribute("aria-pressed", String(lane.low_light));
  $("lowlight").textContent = lane.low_light ? "Low light: on" : "Low light: off";
}

function say(text, kind) {
  $("answer").textContent = text;
  $("answer").className = kind;
}

async function send(event, what) {
  const lane = selected;
  say(`lane ${lane}: ${what} sent…`, "");
  let body;
  try {
    const r = await fetch(`/api/lanes/${encodeURIComponent(lane)}/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ event }),
    });
    body = await r.json();
    if (!r.ok) return say(`lane ${lane}: ${what}: ${body.error ?? r.status}`, "error");
  } catch (e) {
    return say(`lane ${lane}: ${what}: the console server did not answer (${e})`, "error");
  }
  if (body.result === "applied") {
    say(`lane ${lane}: ${what} applied at tick ${body.tick} (${fmtTime(body.t_s)}), ${body.took_ms} ms`, "applied");
  } else {
    say(`lane ${lane}: ${what} ${body.result}${body.reason ? `: ${body.reason}` : ""}`, "refused");
  }
  poll();
}

async function poll() {
  try {
    const r = await fetch("/api/lanes", { cache: "no-store" });
    if (!r.ok) throw new Error(r.status === 403 ? "refused: open the URL the console printed" : r.status);
    const body = await r.json();
    $("link").textContent = body.connected ? `${body.lanes.length} lane${body.lanes.length === 1 ? "" : "s"}` : "broker connection lost, reconnecting";
    render(body.lanes);
  } catch (e) {
    $("link").textContent = `console server: ${e.message ?? e}`;
  }
}

$("pause").addEventListener("click", () => {
  const paused = lanes.get(selected)?.paused;
  send({ type: paused ? "resume" : "pause" }, paused ? "resume" : "pause");
});
$("malfunction").addEventListener("click", () => send({ type: "malfunction", weapon: "w1" }, "malfunction"));
$("lowlight").addEventListener("click", () => {
  const on = !lanes.get(selected)?.low_light;
  send({ type: "view", setting: "low-light", on }, `low light ${on ? "on" : "off"}`);
});
$("end").addEventListener("click", () => {
  // as at the station, End takes two presses (within 3 s): a stray tap ends nobody's run
  const now = Date.now();
  if (now - endArmedAt > 3000) {
    endArmedAt = now;
    $("end").classList.add("armed");
    $("end").textContent = "Tap again to end";
    setTimeout(() => {
      $("end").classList.remove("armed");
      $("end").textContent = "End";
    }, 3000);
    return;
  }
  endArmedAt = 0;
  $("end").classList.remove("armed");
  $("end").textContent = "End";
  send({ type: "end" }, "end");
});
$("flag-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const note = $("flag-note").value.trim();
  $("flag-note").value = "";
  send({ type: "flag", note }, note ? `flag “${note}”` : "flag");
});

fetch("/api/info")
  .then((r) => r.json())
  .then((info) => ($("broker").textContent = `broker ${info.broker}`))
  .catch(() => {});
poll();
setInterval(poll, POLL_MS);
